// The site's own scripts for scripted.html: a button that calls form.submit(),
// and a web component whose form lives in an open shadow root and is handled
// by the component itself (preventDefault).
window.scriptedSubmits = 0;
document.getElementById("send-scripted").addEventListener("click", () => {
  window.scriptedSubmits += 1;
  document.getElementById("scripted").submit();
});

window.componentSubmits = 0;
class ContactCard extends HTMLElement {
  connectedCallback() {
    const root = this.attachShadow({ mode: "open" });
    root.innerHTML = `<form id="card-form" name="card">
        <label>Email <input type="email" name="email"></label>
        <label>Company <input name="company"></label>
        <button type="submit">Send</button>
      </form><p id="card-status"></p>`;
    root.querySelector("form").addEventListener("submit", (event) => {
      event.preventDefault();
      window.componentSubmits += 1;
      root.getElementById("card-status").textContent = "Sent by the component";
    });
  }
}
customElements.define("contact-card", ContactCard);
// Rendered later, as web components and page builders do.
window.addContactCard = (id, attributes = {}) => {
  const card = document.createElement("contact-card");
  card.id = id;
  const parent = attributes.ignored ? Object.assign(document.createElement("div"), { id: id + "-wrap" }) : document.body;
  if (attributes.ignored) {
    parent.setAttribute("data-leadsbot-ignore", "");
    document.body.append(parent);
  }
  parent.append(card);
};
