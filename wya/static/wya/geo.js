/* "Use my device's position" on the location form: fills the optional latitude/longitude inputs
 * from the browser's geolocation. The server snaps them to a ~1 km cell before storing. */
(function () {
  "use strict";
  var button = document.getElementById("use-device-position");
  var status = document.getElementById("geo-status");
  var lat = document.getElementById("id_latitude");
  var lon = document.getElementById("id_longitude");
  if (!button || !lat || !lon || !navigator.geolocation) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = "Asking your browser…";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        lat.value = position.coords.latitude.toFixed(5);
        lon.value = position.coords.longitude.toFixed(5);
        status.textContent = "Position filled in; it is snapped to ~1 km when you save.";
      },
      function () { status.textContent = "Your browser did not share a position. City and neighbourhood are enough."; },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
    );
  });
})();
