// Send the signed choice back to the platform at once (the button stays for browsers without script).
(function () {
  var form = document.getElementById("lti-deep-link-return");
  if (form) { form.submit(); }
})();
