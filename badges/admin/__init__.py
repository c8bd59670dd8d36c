"""The operators' face of the badges app, by sub-domain. Writes go through the services;
derived fields are read-only."""

from . import definitions, images, issuance, notifications, orgs

__all__ = ["definitions", "images", "issuance", "notifications", "orgs"]
