"""The upload page of a badge's three image slots (SPEC 9): add, replace or remove each
through the images service, the file read under the same cap as the API's uploads. The page's
script checks size, kind and squareness before sending; the server checks everything again,
and its refusal is shown where the browser's would be."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import TemplateView

from badges.exceptions import RuleViolation
from badges.image_checks import MAX_IMAGE_BYTES, too_large
from badges.models import ImageSlot
from badges.services import images
from badges_project.ui.access import OrgPageMixin, can_write
from badges_project.ui.pages import refusal_words
from badges_project.uploads import CappedImageUpload, declared_too_large

from .views import badge_or_404

SLOT_HELP = {
    ImageSlot.UNISSUED: "Shown to customers before they start.",
    ImageSlot.IN_PROGRESS: "Shown while a customer works towards it.",
    ImageSlot.ISSUED: "Shown once the badge is issued.",
}


def declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django's own reading of a body then treats it as empty


def slot_or_404(slot: str) -> None:
    if slot not in ImageSlot.values:
        raise Http404("No such image slot.")


class BadgeImagesView(OrgPageMixin, TemplateView):
    template_name = "badges/ui/images.html"

    def get_context_data(self, refused=None, **kwargs):
        badge = badge_or_404(self.request, self.kwargs["pk"])
        filled = {image.slot: image for image in badge.rows("images")}
        slots = [
            {
                "slot": slot,
                "label": label,
                "help": SLOT_HELP[slot],
                "image": filled.get(slot),
                "errors": (refused or {}).get(slot, {}),
            }
            for slot, label in ImageSlot.choices
        ]
        return super().get_context_data(
            badge=badge,
            slots=slots,
            max_bytes=MAX_IMAGE_BYTES,
            can_write=can_write(self.request),
            **kwargs,
        )


@method_decorator(csrf_exempt, name="dispatch")  # checked in post, once the cap is in place
class BadgeImageSetView(BadgeImagesView):
    """POST a slot's file and name: the upload is read under the cap (the CSRF check reads the
    form, so it runs after the cap is set)."""

    http_method_names = ["post"]

    def post(self, request, pk, slot):
        slot_or_404(slot)
        if declared_too_large(declared_length(request)):
            # Refused unread, so without the CSRF check, whose token is in the body: a
            # refusal writes nothing (a form over the cap otherwise met a CSRF failure page).
            return self._refused(request, pk, slot, too_large(), name="")
        capped = CappedImageUpload(request)
        request.upload_handlers = [capped]
        return csrf_protect(self._saved)(request, capped, pk, slot)

    def _refused(self, request, pk, slot, refusal: RuleViolation, name: str):
        badge_or_404(request, pk)
        errors = {v.field: refusal_words(v) for v in refusal.violations}
        errors["name_sent"] = name
        context = self.get_context_data(refused={slot: errors})
        return self.render_to_response(context, status=400)

    def _saved(self, request, capped, pk, slot):
        badge = badge_or_404(request, pk)
        name = request.POST.get("name", "")
        upload = request.FILES.get("file")
        try:
            if capped.too_large:
                raise too_large()
            if upload is None:
                raise RuleViolation.one("IMAGE_FILE_REQUIRED", "Choose a file.", "file")
            images.badge_image_set(
                badge=badge,
                slot=slot,
                name=name,
                content=upload.read(),
                actor=request.user,
                now=request.now,
            )
        except RuleViolation as refusal:
            return self._refused(request, pk, slot, refusal, name)
        messages.success(request, f"The {ImageSlot(slot).label.lower()} image is saved.")
        return redirect("badges-ui:images", pk=badge.pk)


class BadgeImageRemoveView(BadgeImagesView):
    http_method_names = ["post"]

    def post(self, request, pk, slot):
        slot_or_404(slot)
        badge = badge_or_404(request, pk)
        images.badge_image_remove(badge=badge, slot=slot, actor=request.user, now=request.now)
        messages.success(request, f"The {ImageSlot(slot).label.lower()} image is removed.")
        return redirect("badges-ui:images", pk=badge.pk)
