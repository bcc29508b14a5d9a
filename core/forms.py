from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.core.validators import MaxLengthValidator


class BoundedUsernameMixin:
    """For login forms: a username longer than any login is refused on the field.

    Django's AuthenticationForm only copies the length into the HTML; the value reached
    authenticate(), and django-axes then wrote it into its 255-character column, which
    PostgreSQL refuses (a 500 on the login page for an overlong username)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length or 150))


class MemberPasswordResetForm(PasswordResetForm):
    """Django's reset form, which also serves logins that have no usable password yet.

    Django skips those because elsewhere they mean "this login authenticates somewhere
    else" (LDAP, single sign-on). Here they are the logins a members import creates: the
    member sets their first password through this reset, by reading the mail sent to the
    address on file, which is the proof of ownership the design asks for."""

    def get_users(self, email):
        email_field = get_user_model().get_email_field_name()
        users = get_user_model()._default_manager.filter(
            **{f"{email_field}__iexact": email, "is_active": True}
        )
        return (u for u in users if getattr(u, email_field).casefold() == email.casefold())
