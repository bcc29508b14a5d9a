"""Typing into a select2 box as a person does."""


def select2_search(page, text: str, *, within: str = "") -> None:
    """Open the select2 box (the first one, or the first inside the `within` selector) and
    type `text` key by key into its search field.

    Waits for the open dropdown's own search field first: a `fill` straight after the
    click can land before select2 has bound its handlers on a loaded machine, and then
    no search is ever sent (the option never appears)."""
    page.locator(f"{within} .select2-selection".strip()).first.click()
    field = page.locator(".select2-container--open .select2-search__field")
    field.wait_for()
    field.press_sequentially(text)
