// Runs in the page (injected by sample-browser.spec.ts): records every value
// each job's progress bar takes, in order, straight from the DOM, in
// window.__progress[jobId].
(() => {
  const progress = (window.__progress = {});
  const record = (bar) => {
    const id = bar.closest('[data-job-id]')?.getAttribute('data-job-id');
    if (!id) return;
    const values = (progress[id] ??= []);
    const value = Number(bar.getAttribute('aria-valuenow'));
    if (values.at(-1) !== value) values.push(value);
  };
  new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      if (mutation.type === 'attributes') record(mutation.target);
      for (const node of mutation.addedNodes) {
        if (node instanceof Element) node.querySelectorAll('[role="progressbar"]').forEach(record);
      }
    }
  }).observe(document.getElementById('job-list'), {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ['aria-valuenow'],
  });
})();
