"""Server-rendered account pages. Thin: forms shape input, the same services and selectors as
the API decide."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import selectors, services
from accounts.forms import DeleteAccountForm, ProfileForm, RegisterForm, client_ip
from wya.errors import NotFound, ServiceError


def home(request):
    return render(request, "home.html")


@require_http_methods(["GET", "POST"])
def register_page(request):
    if request.user.is_authenticated:
        return redirect("me")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, _token = services.user_register(**form.cleaned_data, ip=client_ip(request))
        except ServiceError as error:
            form.add_error(None, error.detail)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome to WYA!?")
            return redirect("me")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/register.html", {"form": form}, status=status)


def _profile_initial(user) -> dict:
    fields = ProfileForm.base_fields
    profile = getattr(user, "profile", None)
    return {name: getattr(profile, name, None) or fields[name].initial for name in fields}


@login_required
@require_http_methods(["GET", "POST"])
def me_page(request):
    user = selectors.user_me(user=request.user)
    form = ProfileForm(initial=_profile_initial(user))
    delete_form = DeleteAccountForm()
    status = 200
    if request.method == "POST" and request.POST.get("action") == "delete":
        delete_form = DeleteAccountForm(request.POST)
        if delete_form.is_valid():
            try:
                services.account_delete(user=user, password=delete_form.cleaned_data["password"])
            except ServiceError as error:
                delete_form.add_error("password", error.detail)
            else:
                request.session.flush()
                return redirect("home")
        status = 400
    elif request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.profile_update(user=user, **form.cleaned_data)
            except ServiceError as error:
                form.add_error(None, error.detail)
            else:
                messages.success(request, "Profile saved.")
                return redirect("me")
        status = 400
    context = {"form": form, "delete_form": delete_form, "me": user}
    return render(request, "accounts/me.html", context, status=status)


@login_required
def user_page(request, user_id: str):
    try:
        user = selectors.user_public_get(viewer=request.user, user_id=user_id)
    except NotFound:
        raise Http404("No such user.")
    presence = selectors.presence_of(viewer=request.user, user=user)
    profile = getattr(user, "profile", None) if hasattr(user, "profile") else None
    context = {"person": user, "profile": profile, "presence": presence}
    return render(request, "accounts/user.html", context)
