// The LeadsBot loader: the one script a site embeds. It does only what cannot
// wait for the wasm module: it listens for submissions from the first moment
// and reads each form at submit time (the page may navigate, or a framework may
// reset the form, right after the event). The wasm module maps, sends and
// retries. It never calls preventDefault and never changes the form.
//
// The module comes in two builds, the listener and (for data-mode="embed") the
// listener plus the embedded form; their content-hashed file names are filled
// in by scripts/build-widget.sh.
(() => {
  // One name for the page's document: the minifier shortens a local, never a global.
  const doc = document;
  const script = doc.currentScript || doc.getElementById("leadsbot-listener");
  if (!script) return;
  const options = script.dataset;
  const embed = options.mode == "embed";
  // Snapshots waiting for the module, under their format's key (see Format in
  // widget/src/payload.rs): a loader reads only its own format's key, and the
  // module reads older ones, so a deploy never mixes layouts.
  const PENDING = "leadsbot:pending:2";
  const IGNORED = "[data-leadsbot-ignore]";
  // password, file, submit, button, reset, image, fieldset: no other control type
  // starts so (and only checkbox and radio start with ch and rad).
  const SKIPPED_TYPES = /^(pa|f|su|b|re|im)/;
  const emit = (name, detail) => doc.dispatchEvent(new CustomEvent(name, { detail }));

  // What never leaves the browser, checked before a value is kept anywhere: a
  // copy of the rule in shared/src/privacy.rs (the server's second fence), both
  // tested against one corpus, tests/fixtures/privacy.json. A control's name,
  // data-leadsbot-field and autocomplete are read as words: `cardNumber`,
  // `card[number]` and `cc-number` hold `card number` or `cc number`. Machine
  // tokens and a few long marks count anywhere in their letters. A value that
  // is a card number (13 to 19 digits passing the Luhn check) never goes either.
  const SECRET =
    /csrf|xsrf|token|nonce|verification|viewstate|captcha|turnstile|passw(or)?d|passport|expir(y|ation)|onetimecode|_(c(ards?|c|cv|v[cv]2?|sc)|creditcard|cardholder|iban|ssn|pass|pwd|t?otp|secret|(card|cc|account|acct|routing)_?(num(ber)?|no)|(security|sort)_?code|exp_?(date|month|year)|mm_?yy|bank_?account|social_?security|national_?(id|insurance)|tax_?(id|num(ber)?|no))_/;
  const isSecret = (name, value, words = "_" + name.replace(/([a-z])(?=[A-Z])/g, "$1_").replace(/[^A-Za-z0-9]+/g, "_").toLowerCase() + "_") =>
    SECRET.test(words + words.replace(/_/g, "")) ||
    (/^\d{13,19}$/.test((value = value.replace(/[ -]/g, ""))) &&
      !([...value].reverse().reduce((sum, digit, i) => sum + +(i % 2 ? "0246813579"[digit] : digit), 0) % 10));

  // Snapshots taken before the wasm is ready are also saved, so a form that
  // navigates away first is still sent by the next page that loads us.
  let early = [];
  // Reads the saved snapshots, or with a list saves it instead (storage may be
  // missing or full: then `early` alone carries them; with nothing saved,
  // JSON.parse(undefined) throws, which reads as none).
  const pending = (list) => {
    try {
      return list ? (localStorage[PENDING] = JSON.stringify(list)) : JSON.parse(localStorage[PENDING]);
    } catch {
      return [];
    }
  };
  let hand = (snapshot) => {
    early.push(snapshot);
    pending([...pending(), snapshot]);
  };

  // A flat list of strings (the layout is documented in widget/src/payload.rs):
  // 8 header cells, then [explicit, type, name, autocomplete, value, label] per value.
  // Ids come from crypto.randomUUID, which every browser the wasm runs in (it
  // needs reference types) has but Safari 15.0 to 15.3, where nothing is captured.
  // A double click submits twice: the same form with the same content shortly
  // after is the same submission, so it keeps its id and the server dedupes it.
  // Attributes, not properties: `form.name` is the <input name="name"> when there is one.
  // A form with a password (sign-in, sign-up, change password) is not a lead:
  // no snapshot, unless the form opts in with data-leadsbot-capture.
  let last = {};
  const attr = (element, name) => element.getAttribute(name) || "";
  const snapshot = (form) => {
    const rows = [];
    let login;
    for (const field of form.elements) {
      const { type } = field;
      const name = attr(field, "name");
      const explicit = attr(field, "data-leadsbot-field");
      const autocomplete = attr(field, "autocomplete");
      if (type == "password") login = 1;
      if ((!name && !explicit) || field.disabled || SKIPPED_TYPES.test(type)) continue;
      if (field.closest(IGNORED) || (/^(ch|rad)/.test(type) && !field.checked)) continue;
      // A select gives each selected option (a multi-select may give several).
      const values = [...(field.selectedOptions || [field])].map((option) => option.value);
      // The label's text is a hint for the server's mapping (hidden inputs have no labels).
      for (const value of values)
        if (!isSecret(`${name} ${explicit} ${autocomplete}`, value))
          rows.push(explicit, type, name, autocomplete, value, field.labels?.[0]?.textContent || "");
    }
    if (login && !form.hasAttribute("data-leadsbot-capture")) return;
    const key = rows.join("\0");
    const now = Date.now();
    if (last.form != form || last.key != key || now - last.at > 1e4) last = { form, key, id: crypto.randomUUID() };
    last.at = now;
    // The action as written: the server resolves it against the page URL.
    return [last.id, location.href, doc.referrer, doc.title, attr(form, "id"), attr(form, "name"), attr(form, "action"), attr(form, "data-campaign"), ...rows];
  };

  // Capture phase: runs before the site's own handlers (which may stop
  // propagation) and covers forms added later. Submit events do not leave a
  // shadow root, so each open root gets the listener as it is attached; the
  // module gives it to roots attached before this ran (host.js, listen_early),
  // through `document.leadsbotListening`. One listener function, so listening
  // on a root twice adds it once. A shadow host inside data-leadsbot-ignore
  // (the embedded form's own host is) is left alone.
  // `form.submit()` fires no event: the wrapper snapshots the form, then calls
  // the original exactly as before (a snapshot that throws never stops it).
  // The guard makes every wrap happen at most once per page.
  const onSubmit = (form) => {
    if (form.closest(IGNORED) || (options.forms && !form.matches(options.forms))) return;
    const taken = snapshot(form);
    taken ? hand(taken) : emit("leadsbot:skipped", { reason: "password" });
  };
  const onEvent = (event) => onSubmit(event.target);
  const listen = (root) => root.host?.closest(IGNORED) || root.addEventListener("submit", onEvent, true);
  if (!embed && !doc.leadsbotListening) {
    doc.leadsbotListening = listen;
    listen(doc);
    const forms = HTMLFormElement.prototype;
    const elements = Element.prototype;
    const { submit } = forms;
    const { attachShadow } = elements;
    forms.submit = function () {
      try {
        onSubmit(this);
      } catch {}
      return submit.apply(this, arguments);
    };
    elements.attachShadow = function (init) {
      const root = attachShadow.apply(this, arguments);
      if (init.mode == "open") listen(root);
      return root;
    };
  }

  // The wasm loads after the page's load event, so it never delays it;
  // submissions before then wait in `early`.
  const boot = () => {
    const wasm = fetch(new URL(embed ? EMBED_WASM : LISTENER_WASM, script.src));
    import(new URL(embed ? EMBED_GLUE : LISTENER_GLUE, script.src))
      .then(async (glue) => {
        await glue.load(wasm);
        glue.start(options, snapshot);
        hand = glue.capture;
        // Both lists may hold the same submission; the wasm sends each id once.
        [...pending(), ...early].forEach(hand);
        pending((early = []));
      })
      .catch((error) => emit("leadsbot:error", { problem: "load", error }));
  };
  doc.readyState == "complete" ? boot() : addEventListener("load", boot);
})();
