"""The browser UI's kit shared by every app's pages: signing in, the acting org and the org
switcher, the role a page needs."""
