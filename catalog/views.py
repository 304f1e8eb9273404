from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from catalog.models import BenchmarkScore, Model, Profile, Provider
from monitoring.queries import summary_for_model
from pricing.charts import price_history_chart
from pricing.queries import Conversation, base_history, last_syncs, prices_by_host

MODELS_PER_PAGE = 50


def home(request):
    profiles = (
        Profile.objects.public()
        .select_related("model__lab", "reviewer")
        .order_by("-reviewed_on", "model__name")
    )
    counts = Model.objects.aggregate(models=Count("id"), labs=Count("lab", distinct=True))
    return render(
        request,
        "catalog/home.html",
        {"profiles": profiles, "model_count": counts["models"], "lab_count": counts["labs"]},
    )


def methodology(request):
    return render(request, "catalog/methodology.html")


def model_list(request):
    query = request.GET.get("q", "")
    models = Model.objects.with_lab().search(query).order_by("lab__name", "name")
    page = Paginator(models, MODELS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "catalog/model_list.html", {"page": page, "query": query})


def provider(request, lab):
    provider = get_object_or_404(Provider, slug=lab)
    models = provider.models.select_related("lab").order_by("name")
    hosted = (
        provider.offerings.exclude(model__lab=provider).select_related("model__lab").order_by("model__name")
    )
    return render(
        request,
        "catalog/provider.html",
        {
            "provider": provider,
            "page": Paginator(models, MODELS_PER_PAGE).get_page(request.GET.get("page")),
            "hosted_count": hosted.count(),
        },
    )


def model_detail(request, lab, model):
    model = get_object_or_404(Model.objects.with_lab(), lab__slug=lab, slug=model)
    profile = (
        Profile.objects.public()
        .filter(model=model)
        .select_related("reviewer", "author")
        .prefetch_related("faq", "verdicts")
        .first()
    )
    conversation = Conversation.from_query(request.GET)
    hosts = prices_by_host(model, conversation)
    main = hosts[0] if hosts and hosts[0].input else None
    history = base_history(main.offering) if main else []
    syncs = last_syncs(main.sources) if main else {}
    return render(
        request,
        "catalog/model_detail.html",
        {
            "model": model,
            "profile": profile,
            "scores": BenchmarkScore.objects.filter(model=model).select_related("benchmark"),
            "hosts": hosts,
            "main": main,
            "conversation": conversation,
            "lab_offering": next((h for h in hosts if h.offering.host_id == model.lab_id), None),
            "price_chart": price_history_chart(history, now=timezone.now()) if history else None,
            "price_changes": sum(1 for p in history if p.valid_to),
            "syncs": [(source, syncs.get(source.pk)) for source in (main.sources if main else [])],
            "monitoring": summary_for_model(model),
        },
    )
