"""Webhook transport (SPEC 13): which addresses a delivery may reach, when the next attempt is
due, and one signed POST. No models, services or faces: the notifications outbox calls it."""
