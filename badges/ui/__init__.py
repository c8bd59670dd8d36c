"""The browser UI of badges: the Badge Universe, the badge view, and the pages that change a
badge, over the same selectors, filters and services as the API."""
