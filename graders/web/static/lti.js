// The deep-linking response goes back to the LMS as soon as the page is there (the button
// stays for a browser without scripts).
document.getElementById("lti-return")?.submit();
