// Draws every chart of the page: each is an empty <div data-figure="ID"> beside the JSON data block ID that
// holds its figure (tokenledger/charts.py). Figures travel as data, not as inline scripts, for the CSP.
document.querySelectorAll("div[data-figure]").forEach((div) => {
  const figure = JSON.parse(document.getElementById(div.dataset.figure).textContent);
  Plotly.newPlot(div, figure.data, figure.layout, figure.config);
});
