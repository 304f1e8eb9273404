from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from catalog import illustrations, workflow
from catalog.models import (
    Benchmark,
    BenchmarkScore,
    Illustration,
    MatchReview,
    Model,
    ModelAlias,
    Offering,
    Profile,
    ProfileRevision,
    Provider,
    RevisionInReview,
    RevisionState,
    Verdict,
)
from catalog.resolution import decide
from catalog.views import render_profile_page
from tokenledger.admin import HTTPS_URLS


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "slug", "is_lab", "is_host", "country_code", "updated_at"]
    list_filter = ["is_lab", "is_host", "country_code"]
    search_fields = ["name", "slug"]


class OfferingInline(admin.TabularInline):
    model = Offering
    fk_name = "model"
    extra = 0
    fields = ["host", "host_model_id", "listed_name", "kind", "retires_on", "match_rule", "regions", "source"]
    readonly_fields = ["match_rule"]
    autocomplete_fields = ["host"]


@admin.register(Model)
class ModelAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "lab",
        "slug",
        "status",
        "retires_on",
        "editor_retires_on",
        "context_window",
        "release_date",
        "needs_review",
    ]
    list_filter = [
        "status",
        "needs_review",
        "open_weights",
        "supports_reasoning",
        "supports_tools",
        "lab__is_lab",
    ]
    list_select_related = ["lab"]
    search_fields = ["name", "slug", "family", "lab__name", "lab__slug"]
    autocomplete_fields = ["lab", "successor"]
    readonly_fields = ["supports_vision", "supports_audio", "retires_on", "created_at", "updated_at"]
    inlines = [OfferingInline]


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
    list_display = ["host_model_id", "host", "model", "kind", "match_rule", "retires_on"]
    list_filter = ["kind", "match_rule"]
    list_select_related = ["host", "model__lab"]
    search_fields = ["host_model_id", "host__slug", "model__slug", "model__name"]
    autocomplete_fields = ["model", "host"]


class VerdictInline(admin.StackedInline):
    model = Verdict
    extra = 0


class RevisionInline(admin.TabularInline):
    """Every revision of the profile, newest first, with who wrote and who reviewed it."""

    model = ProfileRevision
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["number", "state", "author", "created_at", "reviewer", "reviewed_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    """What the public page shows: changed only by publishing a revision, so every field but the model is read-only
    here, and "reviewed by" and the review date come from the workflow."""

    list_display = ["model", "status", "author", "reviewer", "reviewed_on", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["model__lab", "author", "reviewer"]
    search_fields = ["model__name", "model__slug", "tagline"]
    autocomplete_fields = ["model"]
    readonly_fields = [
        "status",
        "tagline",
        "summary",
        "strengths",
        "weaknesses",
        "article",
        "author",
        "reviewer",
        "reviewed_on",
        "published_at",
        "new_revision_link",
    ]
    inlines = [RevisionInline, VerdictInline]

    def get_fields(self, request, obj=None):
        return ["model"] if obj is None else ["model", "new_revision_link", *self.readonly_fields[:-1]]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is None else ["model", *self.readonly_fields]

    def get_inlines(self, request, obj):
        return (
            self.inlines if obj is not None else []
        )  # a new profile is only its model; text comes by revision

    @admin.display(description="Edit")
    def new_revision_link(self, obj) -> str:
        url = reverse("admin:catalog_profilerevision_add") + f"?profile={obj.pk}"
        return format_html('<a class="button" href="{}">Write a new revision</a>', url)

    def response_add(self, request, obj, post_url_continue=None):
        # A new profile starts empty and private: its text is written as a first revision.
        return HttpResponseRedirect(reverse("admin:catalog_profilerevision_add") + f"?profile={obj.pk}")


@admin.register(ProfileRevision)
class ProfileRevisionAdmin(admin.ModelAdmin):
    list_display = ["profile", "number", "state", "author", "submitted_at", "reviewer", "reviewed_at"]
    list_filter = ["state"]
    list_select_related = ["profile__model__lab", "author", "reviewer"]
    search_fields = ["profile__model__name", "profile__model__slug"]
    autocomplete_fields = ["profile"]
    fields = ["profile", *workflow.EDITED_FIELDS]
    change_form_template = "admin/catalog/profilerevision/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        return ["profile"] if obj else []

    def has_change_permission(self, request, obj=None) -> bool:
        """A draft is edited by its author or an editor; a revision in review or published by nobody."""
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return True
        return obj.state == RevisionState.DRAFT and (
            obj.author_id == request.user.pk or workflow.is_editor(request.user)
        )

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) or request.user.has_perm(workflow.REVIEW_PERMISSION)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        profile = Profile.objects.filter(pk=request.GET.get("profile")).first()
        if profile is not None:
            draft = workflow.new_revision(profile, request.user)
            initial.update({name: getattr(draft, name) for name in workflow.EDITED_FIELDS})
        return initial

    def save_model(self, request, obj, form, change) -> None:
        workflow.save_draft(obj, request.user)

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(function)

        return [
            path("<int:pk>/submit/", view(self.submit_view), name="catalog_profilerevision_submit"),
            path("<int:pk>/approve/", view(self.approve_view), name="catalog_profilerevision_approve"),
            path(
                "<int:pk>/request-changes/",
                view(self.request_changes_view),
                name="catalog_profilerevision_changes",
            ),
            path("<int:pk>/preview/", view(self.preview_view), name="catalog_profilerevision_preview"),
            path("<int:pk>/diff/", view(self.diff_view), name="catalog_profilerevision_diff"),
            *super().get_urls(),
        ]

    def _revision(self, request, pk: int) -> ProfileRevision:
        revision = get_object_or_404(
            ProfileRevision.objects.select_related("profile__model__lab", "author"), pk=pk
        )
        if not self.has_view_permission(request, revision):
            raise PermissionDenied
        return revision

    def _act(self, request, pk: int, action, done: str):
        """Run a workflow action from a POST; refusals are shown to the user, and nothing changes."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        revision = self._revision(request, pk)
        try:
            action(revision)
        except workflow.WorkflowError as refused:
            self.message_user(request, str(refused), messages.ERROR)
        else:
            self.message_user(request, done.format(revision=revision), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:catalog_profilerevision_change", args=[pk]))

    def submit_view(self, request, pk: int):
        return self._act(
            request,
            pk,
            lambda r: workflow.submit(r, request.user),
            "Revision {revision.number} is waiting for review.",
        )

    def approve_view(self, request, pk: int):
        return self._act(
            request,
            pk,
            lambda r: workflow.approve(r, request.user),
            "Revision {revision.number} is published: the public page shows it now.",
        )

    def request_changes_view(self, request, pk: int):
        note = request.POST.get("note", "")
        return self._act(
            request,
            pk,
            lambda r: workflow.request_changes(r, request.user, note),
            "Revision {revision.number} went back to its author.",
        )

    def preview_view(self, request, pk: int):
        revision = self._revision(request, pk)
        return render_profile_page(request, revision.profile.model, preview=revision)

    def diff_view(self, request, pk: int):
        revision = self._revision(request, pk)
        revisions = revision.profile.revisions.exclude(pk=revision.pk)
        against = (
            revisions.filter(pk=request.GET.get("against")).first()
            or revisions.filter(state=RevisionState.PUBLISHED).order_by("-number").first()
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Changes in revision {revision.number} of {revision.profile.model}",
            "revision": revision,
            "against": against,
            "others": revisions.order_by("-number"),
            "changes": workflow.diff(against, revision),
        }
        return TemplateResponse(request, "admin/catalog/profilerevision/diff.html", context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            user = request.user
            context.update(
                {
                    "revision": obj,
                    "can_submit": obj.state == RevisionState.DRAFT
                    and (obj.author_id == user.pk or workflow.is_editor(user)),
                    "can_review": obj.state == RevisionState.IN_REVIEW
                    and user.has_perm(workflow.REVIEW_PERMISSION),
                    "is_own": obj.author_id == user.pk,
                }
            )
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(RevisionInReview)
class ReviewQueueAdmin(admin.ModelAdmin):
    """Revisions waiting for a reviewer, oldest first; each opens in the revision's own page."""

    list_display = ["profile", "number", "author", "submitted_at", "yours"]
    list_select_related = ["profile__model__lab", "author"]
    ordering = ["submitted_at"]

    def get_queryset(self, request):
        # Whose revision it is belongs to the request, not to this admin, which every request shares.
        is_own = ExpressionWrapper(Q(author=request.user), output_field=BooleanField())
        return super().get_queryset(request).filter(state=RevisionState.IN_REVIEW).annotate(is_own=is_own)

    @admin.display(description="Who may review", boolean=False)
    def yours(self, obj) -> str:
        return "someone else (you wrote it)" if obj.is_own else "you"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:catalog_profilerevision_change", args=[object_id]))

    def has_module_permission(self, request) -> bool:
        return request.user.has_perm(workflow.REVIEW_PERMISSION) or request.user.has_perm(
            "catalog.view_profilerevision"
        )

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class IllustrationForm(forms.ModelForm):
    class Meta:
        model = Illustration
        fields = ["image", "alt_text", "caption"]

    def clean_image(self):
        image = self.cleaned_data["image"]
        # A new upload is checked, resized and turned into WebP; an unchanged one is kept as it is.
        return illustrations.prepare(image) if image and hasattr(image, "content_type") else image


@admin.register(Illustration)
class IllustrationAdmin(admin.ModelAdmin):
    form = IllustrationForm
    list_display = ["thumbnail", "alt_text", "caption", "width", "height", "uploaded_by", "created_at"]
    readonly_fields = ["thumbnail", "markdown_to_paste", "width", "height", "uploaded_by"]
    search_fields = ["alt_text", "caption"]

    class Media:  # the thumbnail's size: the Content-Security-Policy allows no inline style
        css = {"all": ["css/admin.css"]}

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="Image")
    def thumbnail(self, obj) -> str:
        if not obj.image:
            return "—"
        return format_html(
            '<img class="illustration-thumbnail" src="{}" alt="{}">', obj.image.url, obj.alt_text
        )

    @admin.display(description="Markdown for an article")
    def markdown_to_paste(self, obj) -> str:
        return format_html("<code>{}</code>", obj.markdown) if obj.image else "—"


@admin.register(Benchmark)
class BenchmarkAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "slug", "url"]
    search_fields = ["name", "slug"]


@admin.register(BenchmarkScore)
class BenchmarkScoreAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["model", "benchmark", "score", "unit", "source_name", "measured_on"]
    list_select_related = ["model__lab", "benchmark"]
    list_filter = ["benchmark"]
    autocomplete_fields = ["model"]


# --- Model identity: the editors' queue of doubtful matches, and their decisions ------------------------------

KEEP_SEPARATE = "__separate__"
OTHER = "__other__"


class MatchDecisionForm(forms.ModelForm):
    """Accept a candidate, pick another model by its key, or keep the listing a model of its own."""

    decision = forms.ChoiceField(widget=forms.RadioSelect, label="This listing is")
    other_model = forms.CharField(
        required=False, label="Another model", help_text="Its key, lab/model, e.g. openai/gpt-5-nano."
    )
    note = forms.CharField(required=False, max_length=300, help_text="Why, for the next editor.")

    class Meta:
        model = MatchReview
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        review = self.instance
        self.fields["decision"].choices = [
            *[(key, f"the same model as {key}") for key in review.candidates],
            (OTHER, "another model (below)"),
            (KEEP_SEPARATE, f"a model of its own ({review.filed_as})"),
        ]

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision == OTHER:
            key = (data.get("other_model") or "").strip().strip("/")
            lab, _, slug = key.partition("/")
            if not Model.objects.filter(lab__slug=lab, slug=slug).exists():
                raise forms.ValidationError({"other_model": f"No model {key or '(empty)'} in the catalogue."})
            data["target"] = key
        elif decision == KEEP_SEPARATE:
            data["target"] = ""
        else:
            data["target"] = decision
        return data


@admin.register(MatchReview)
class MatchReviewAdmin(admin.ModelAdmin):
    """Listings the resolver could not place for sure. A decision becomes an alias that every later import and
    sync follows, and is applied at once (the listing moves, a model left empty merges into its target)."""

    form = MatchDecisionForm
    list_display = ["listing", "name", "filed_as", "candidate_list", "evidence", "status", "source"]
    list_filter = ["status", "source", "host"]
    search_fields = ["host", "host_model_id", "name", "filed_as"]
    readonly_fields = ["listing", "name", "source", "filed_as", "candidate_list", "evidence", "status"]
    fieldsets = [
        (None, {"fields": ["listing", "name", "source", "filed_as", "candidate_list", "evidence", "status"]}),
        ("Decision", {"fields": ["decision", "other_model", "note"]}),
    ]

    @admin.display(description="Listing", ordering="host_model_id")
    def listing(self, obj: MatchReview) -> str:
        return f"{obj.host} · {obj.host_model_id}"

    @admin.display(description="Candidates")
    def candidate_list(self, obj: MatchReview) -> str:
        return ", ".join(obj.candidates) or "—"

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        alias = decide(obj, form.cleaned_data["target"], user=request.user, note=form.cleaned_data["note"])
        messages.success(request, f"Decided: {alias}. Every later import and sync follows it.")


@admin.register(ModelAlias)
class ModelAliasAdmin(admin.ModelAdmin):
    list_display = ["host", "host_model_id", "target_or_separate", "decided_by", "decided_at", "note"]
    search_fields = ["host", "host_model_id", "target"]
    readonly_fields = ["decided_by", "decided_at"]

    @admin.display(description="Is", ordering="target")
    def target_or_separate(self, obj: ModelAlias) -> str:
        return obj.target or "kept separate"

    def save_model(self, request, obj, form, change) -> None:
        obj.decided_by = request.user
        super().save_model(request, obj, form, change)
