// LTI Dynamic Registration 1.0, section 3.6: tell the platform's page that the registration is
// done, so that it closes its frame or window (the message carries nothing else).
(function () {
  var target = window.opener || (window.parent !== window ? window.parent : null);
  if (target) { target.postMessage({ subject: "org.imsglobal.lti.close" }, "*"); }
})();
