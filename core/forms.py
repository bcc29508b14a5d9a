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
