"""The browser UI of badge groups (SPEC 10): thin views over the group services."""
