"""Reading a rendered page as a browser would: what one of its forms sends untouched."""

from html.parser import HTMLParser


class FormValues(HTMLParser):
    """What a browser sends for the form ``form_id`` of a page when nothing is changed:
    inputs' values (without line breaks), checked boxes and radios, each select's selected
    option (else its first), text areas with their line breaks as CRLF; disabled controls
    send nothing."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.values: dict[str, list[str]] = {}
        self.inside = self.done = False
        self.select: dict | None = None
        self.textarea: dict | None = None

    def _add(self, name, value):
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.done:
            return
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        elif self.inside and tag == "option" and self.select is not None:
            self.select["options"].append(attrs.get("value", ""))
            if "selected" in attrs:
                self.select["chosen"] = attrs.get("value", "")
        elif self.inside and attrs.get("name") and "disabled" not in attrs:
            self._control(tag, attrs)

    def _control(self, tag, attrs):
        name = attrs["name"]
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._add(name, attrs.get("value", "on"))
            elif kind not in ("file", "submit", "button"):
                # A browser's value sanitisation drops line breaks from one-line inputs.
                value = attrs.get("value") or ""
                self._add(name, value.replace("\r", "").replace("\n", ""))
        elif tag == "select":
            self.select = {"name": name, "options": [], "chosen": None}
        elif tag == "textarea":
            self.textarea = {"name": name, "text": []}

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea["text"].append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "textarea" and self.textarea is not None:
            text = "".join(self.textarea["text"]).removeprefix("\n")
            self._add(self.textarea["name"], text.replace("\n", "\r\n"))
            self.textarea = None
        elif tag == "select" and self.select is not None:
            chosen = self.select["chosen"]
            if chosen is None and self.select["options"]:
                chosen = self.select["options"][0]
            if chosen is not None:
                self._add(self.select["name"], chosen)
            self.select = None


def form_values(response, form_id: str = "badge-form") -> dict:
    """The form ``form_id`` of ``response``, as its submission's data."""
    parser = FormValues(form_id)
    parser.feed(response.content.decode())
    return {name: vals if len(vals) > 1 else vals[0] for name, vals in parser.values.items()}
