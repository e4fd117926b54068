// Records what the widget costs the page it runs on: long tasks, layout
// shifts and when the widget became ready. Loaded first, before the widget.
window.benchProbe = { longTasks: [], layoutShift: 0, readyAt: null };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) benchProbe.longTasks.push(entry.duration);
}).observe({ type: "longtask", buffered: true });
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) benchProbe.layoutShift += entry.value;
}).observe({ type: "layout-shift", buffered: true });
document.addEventListener("leadsbot:ready", () => (benchProbe.readyAt = performance.now()));
