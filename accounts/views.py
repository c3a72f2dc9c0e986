"""Server-rendered account pages. Thin: Django's auth views plus the home page."""

from django.shortcuts import render


def home(request):
    return render(request, "home.html")
