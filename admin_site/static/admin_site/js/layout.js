/*
 * The sidebar's width as a CSS variable (--bd-sidebar-width), for unfold_fixes.css: staff
 * may drag the sidebar wider or narrower, and the bar of actions must start at its edge.
 */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
    const sidebar = document.getElementById("nav-sidebar");
    if (!sidebar || !window.ResizeObserver) {
        return;
    }
    new ResizeObserver(function () {
        const width = sidebar.getBoundingClientRect().width;
        if (width > 0) {
            document.documentElement.style.setProperty("--bd-sidebar-width", width + "px");
        }
    }).observe(sidebar);
});
