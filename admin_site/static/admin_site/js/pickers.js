/*
 * The admin's pickers (select2, through Django's autocomplete) keep the list they showed
 * while the next search is on its way: Enter pressed after typing a name, before the
 * answer came, picked the first name of the old list, one the person never looked at.
 * While select2 shows "Searching…" a pick by keyboard is refused; Enter works again as
 * soon as the new list is there. A click is left alone: it picks the name clicked on.
 */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
    if (!window.django || !window.django.jQuery) {
        return; // a page without pickers loads no jQuery
    }
    const $ = window.django.jQuery;
    $(document).on("select2:selecting", "select", function (event) {
        const args = (event.params && event.params.args) || {};
        if (args.originalEvent) {
            return; // a click on a name (select2 passes the mouse event); Enter passes none
        }
        const picker = $(this).data("select2");
        if (picker && picker.$results && picker.$results.find(".loading-results").length) {
            event.preventDefault();
        }
    });
});
