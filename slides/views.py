from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from slides.fit import deck_problems, describe, slide_fit
from slides.models import Deck
from slides.permissions import staff_required
from slides.rendering import RunContext, slide_view
from slides.selectors import deck_data


@staff_required
def deck_list(request: HttpRequest) -> HttpResponse:
    return render(request, "slides/deck_list.html", {"decks": Deck.objects.all()})


@staff_required
def deck_detail(request: HttpRequest, slug: str) -> HttpResponse:
    deck = get_object_or_404(Deck, slug=slug)
    data = deck_data(deck)
    preview = RunContext()
    titles = [(slide.number, preview.fill_text(slide.title)) for slide in data.slides]
    problems = [describe(fit) for fit in deck_problems(data)]
    return render(
        request,
        "slides/deck_detail.html",
        {"deck": deck, "data": data, "slide_titles": titles, "problems": problems},
    )


@staff_required
def slide_preview(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    deck = get_object_or_404(Deck, slug=slug)
    data = deck_data(deck)
    slide = data.slide(number)
    if slide is None:
        raise Http404(f"The deck has {len(data.slides)} slides.")
    segments = [segment for segment in data.segments if segment.covers(number)]
    fit = slide_fit(data, slide)
    return render(
        request,
        "slides/slide_preview.html",
        {
            "deck": deck,
            "slide": slide_view(data, slide),
            "segments": segments,
            "too_full": None if fit.fits else describe(fit),
        },
    )
