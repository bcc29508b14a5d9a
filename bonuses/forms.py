"""Forms of the member-facing pages: they validate input; services do the writing."""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField


class SignupForm(forms.Form):
    """The fields of the club's 2018 sign-up form."""

    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    middle_name = forms.CharField(label=_("Middle name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"))
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(render_value=False)
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(render_value=False)
    )
    birth_date = forms.DateField(
        label=_("Birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    phone = PhoneNumberField(label=_("Phone"), required=False)
    address = forms.CharField(label=_("Address"), max_length=500, required=False)
    claim_code = forms.CharField(
        label=_("Code from the front desk"),
        max_length=32,
        required=False,
        help_text=_("Only if the front desk gave you one: it opens your existing member page."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        autocomplete = {
            "username": "username",
            "first_name": "given-name",
            "last_name": "family-name",
            "middle_name": "additional-name",
            "email": "email",
            "password1": "new-password",
            "password2": "new-password",
            "birth_date": "bday",
            "phone": "tel",
            "address": "street-address",
            "claim_code": "one-time-code",
        }
        for name, value in autocomplete.items():
            self.fields[name].widget.attrs["autocomplete"] = value

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user_model = get_user_model()
        user_model.username_validator(username)
        if user_model.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            user = get_user_model()(
                username=data.get("username", ""),
                email=data.get("email", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(first, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data

    def profile(self) -> dict:
        data = self.cleaned_data
        return {
            name: data.get(name) or ("" if name != "birth_date" else None)
            for name in ("first_name", "last_name", "middle_name", "birth_date", "address")
        }


class NameSponsorForm(forms.Form):
    sponsor = forms.CharField(
        label=_("Who invited you?"),
        max_length=254,
        help_text=_("Their email, phone number or referral code."),
    )


class ClaimCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the front desk"),
        max_length=32,
        help_text=_("Twelve letters and digits, e.g. ABCD-EFGH-JKMN."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )
