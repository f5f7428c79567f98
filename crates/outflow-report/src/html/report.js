"use strict";
// One page may hold several reports, each with its own map.
(function () {
  var total = 0;
  Array.prototype.forEach.call(document.querySelectorAll(".flowmap"), function (map) {
    total += wire(map);
  });
  document.documentElement.setAttribute("data-map-edges", String(total));
})();

// Draws a map's edges and wires its nodes; returns how many edges it drew.
function wire(map) {
  var svg = map.querySelector("svg.edges");
  if (!svg) return 0;
  var NS = "http://www.w3.org/2000/svg";
  var nodes = Array.prototype.slice.call(map.querySelectorAll(".node"));
  var byId = {};
  nodes.forEach(function (n) { byId[n.id] = n; });
  function targets(node, attr) {
    var list = (node.getAttribute(attr) || "").split(" ");
    return list.filter(function (id) { return id && byId[id]; });
  }
  // The edges both ways, for highlighting a node's paths.
  var forward = {}, backward = {};
  nodes.forEach(function (n) {
    forward[n.id] = targets(n, "data-to").concat(targets(n, "data-latent"));
    forward[n.id].forEach(function (t) { (backward[t] = backward[t] || []).push(n.id); });
  });
  // Nodes folded in a closed <details> keep boxes in recent browsers
  // (content-visibility), so ask the browser what it shows.
  function visible(el) {
    if (typeof el.checkVisibility === "function") return el.checkVisibility();
    return el.offsetParent !== null && el.getClientRects().length > 0;
  }
  function draw() {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var box = map.getBoundingClientRect();
    nodes.forEach(function (from) {
      if (!visible(from)) return;
      var a = from.getBoundingClientRect();
      [["data-to", false], ["data-latent", true]].forEach(function (kind) {
        targets(from, kind[0]).forEach(function (id) {
          var to = byId[id];
          if (!visible(to)) return;
          var b = to.getBoundingClientRect();
          var x1 = a.right - box.left, y1 = a.top + a.height / 2 - box.top;
          var x2 = b.left - box.left, y2 = b.top + b.height / 2 - box.top;
          var mid = (x1 + x2) / 2;
          var path = document.createElementNS(NS, "path");
          path.setAttribute("d", "M" + x1 + "," + y1 + " C" + mid + "," + y1 + " " + mid + "," + y2 + " " + x2 + "," + y2);
          path.setAttribute("data-from", from.id);
          path.setAttribute("data-to", id);
          if (kind[1]) path.setAttribute("class", "latent");
          svg.appendChild(path);
        });
      });
    });
    highlight(current);
  }
  var current = null;
  function reach(start, edges, seen) {
    var stack = [start];
    while (stack.length) {
      var id = stack.pop();
      (edges[id] || []).forEach(function (next) {
        if (!seen[next]) { seen[next] = true; stack.push(next); }
      });
    }
  }
  function highlight(id) {
    var seen = {};
    if (id) { seen[id] = true; reach(id, forward, seen); reach(id, backward, seen); }
    map.classList.toggle("focused", !!id);
    nodes.forEach(function (n) { n.classList.toggle("hot", !!id && !!seen[n.id]); });
    Array.prototype.forEach.call(svg.childNodes, function (p) {
      var hot = !!id && seen[p.getAttribute("data-from")] && seen[p.getAttribute("data-to")];
      p.classList.toggle("hot", !!hot);
    });
  }
  nodes.forEach(function (n) {
    function pick() { current = current === n.id ? null : n.id; highlight(current); }
    n.addEventListener("click", pick);
    n.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); pick(); } });
  });
  Array.prototype.forEach.call(map.querySelectorAll("details"), function (d) {
    d.addEventListener("toggle", draw);
  });
  window.addEventListener("resize", draw);
  draw();
  return svg.childNodes.length;
}
