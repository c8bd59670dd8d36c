"""Loyalty events and workflow rules (SPEC 12): a domain of its own inside ``badges``.

Rules say which badge an event type issues or revokes, under an optional condition and
target; events are stored as posted, then processed by a task that records one outcome per
candidate rule. Issuing and revoking go through the issuance services, never around them.
"""
