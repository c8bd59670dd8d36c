"""The browser UI of custom field definitions (SPEC 11): thin views over the field services."""
