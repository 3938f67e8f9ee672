// The trends chart: satisfied share (%) per department across a district's sessions, drawn with Chart.js.
(() => {
  const data = document.getElementById('trends-data');
  const canvas = document.getElementById('trends-chart');
  if (!data || !canvas || typeof window.Chart === 'undefined') return;
  const chart = JSON.parse(data.textContent || '{}');
  new window.Chart(canvas, {
    type: 'line',
    data: {
      labels: chart.labels,
      datasets: chart.series.map((s) => ({ label: s.label, data: s.data, spanGaps: true, tension: 0.2 })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      scales: { y: { min: 0, max: 100, title: { display: true, text: chart.yLabel } } },
      plugins: { legend: { position: 'bottom' } },
    },
  });
})();
