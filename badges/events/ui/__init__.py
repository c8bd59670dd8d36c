"""The browser face of events and workflow rules (SPEC 12): the rule pages, the event pages,
their forms and words. Templates under templates/badges/ui/events/."""
