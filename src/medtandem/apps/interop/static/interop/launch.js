// Inside the platform's iframe: continue here only when this browser keeps our cookies there
// (a partitioned or third-party cookie test); otherwise leave the "new window" button to the person.
(function () {
  var box = document.getElementById("lti-launched");
  if (!box) { return; }
  var enter = box.getAttribute("data-enter");
  var secure = window.location.protocol === "https:";
  document.cookie = "lti_probe=1; path=/; max-age=60" + (secure ? "; SameSite=None; Secure" : "");
  var kept = document.cookie.indexOf("lti_probe=1") !== -1;
  if (!kept) { return; }
  if (document.hasStorageAccess) {
    document.hasStorageAccess().then(function (ok) { if (ok || window.top === window) { window.location.replace(enter); } });
  } else {
    window.location.replace(enter);
  }
})();
