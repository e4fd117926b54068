// Test pages take their widget settings from their own URL (?token=…), since
// each test run makes its own workspace; this adds the tag a site would paste:
// <script id="leadsbot-listener" async src="HOST/widget.js" data-token data-api data-mode>
const params = new URLSearchParams(location.search);
if (params.has("token")) {
  const host = params.get("host") || location.origin;
  const tag = document.createElement("script");
  tag.id = "leadsbot-listener";
  tag.async = true;
  tag.src = host + "/widget.js";
  tag.dataset.token = params.get("token");
  tag.dataset.api = params.get("api") || host;
  tag.dataset.mode = params.get("mode") || "listener";
  for (const name of ["target", "fields", "forms", "campaign"]) {
    if (params.has(name)) tag.dataset[name] = params.get(name);
  }
  if (params.has("autosubmit")) {
    tag.addEventListener("load", () => window.autoSubmitAfterWidget(Number(params.get("autosubmit"))));
  }
  document.head.append(tag);
}
