//! The data-flow map: page → scripts → hosts → owners → countries, each
//! node coloured by the worst finding that touches it.
//!
//! Five columns of boxes; the report's script draws the edges between them
//! and highlights a node's paths when it is clicked. A column longer than
//! [`SHOWN_PER_COLUMN`] shows its riskiest nodes and folds the rest into a
//! `<details>` element, so that a page with hundreds of hosts stays
//! readable. Node ids are generated (`n0`, `n1`, …): no page-controlled
//! text ever lands in an id, a class or a data attribute.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use outflow_model::{Party, Report, Severity};

use super::escape::text;

/// Nodes shown per column before folding.
pub(crate) const SHOWN_PER_COLUMN: usize = 24;

/// A column of the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    Page,
    Script,
    Host,
    Owner,
    Country,
}

impl Layer {
    const ALL: [Layer; 5] = [
        Layer::Page,
        Layer::Script,
        Layer::Host,
        Layer::Owner,
        Layer::Country,
    ];

    fn title(self) -> &'static str {
        match self {
            Layer::Page => "page",
            Layer::Script => "scripts",
            Layer::Host => "hosts",
            Layer::Owner => "owners",
            Layer::Country => "countries",
        }
    }
}

#[derive(Debug, Default)]
struct Node {
    label: String,
    detail: String,
    risk: Option<Severity>,
    flagged: bool,
    to: BTreeSet<usize>,
    /// Targets reached only through code that names them (latent edges).
    latent_to: BTreeSet<usize>,
}

/// The map's nodes, keyed by layer and label.
#[derive(Default)]
struct Graph {
    nodes: Vec<(Layer, Node)>,
    index: BTreeMap<(Layer, String), usize>,
}

impl Graph {
    fn node(&mut self, layer: Layer, label: &str) -> usize {
        if let Some(&i) = self.index.get(&(layer, label.to_string())) {
            return i;
        }
        let i = self.nodes.len();
        self.nodes.push((
            layer,
            Node {
                label: label.to_string(),
                ..Node::default()
            },
        ));
        self.index.insert((layer, label.to_string()), i);
        i
    }

    fn edge(&mut self, from: usize, to: usize, latent: bool) {
        let node = &mut self.nodes[from].1;
        if latent {
            if !node.to.contains(&to) {
                node.latent_to.insert(to);
            }
        } else {
            node.latent_to.remove(&to);
            node.to.insert(to);
        }
    }

    fn raise(&mut self, i: usize, risk: Option<Severity>) {
        let node = &mut self.nodes[i].1;
        node.risk = node.risk.max(risk);
    }
}

const PAGE_SCRIPT: &str = "page";

fn build(report: &Report) -> Graph {
    let mut g = Graph::default();
    let page = g.node(Layer::Page, &report.target.value);
    g.nodes[page].1.detail = format!("{} script(s)", report.inventory.len());

    let mut host_risk: BTreeMap<&str, Severity> = BTreeMap::new();
    let mut script_risk: BTreeMap<&str, Severity> = BTreeMap::new();
    for finding in &report.findings {
        for host in &finding.destinations {
            let r = host_risk.entry(host).or_insert(finding.severity);
            *r = (*r).max(finding.severity);
        }
        if let Some(script) = &finding.script {
            let r = script_risk.entry(script).or_insert(finding.severity);
            *r = (*r).max(finding.severity);
        }
    }

    for script in &report.inventory {
        let i = g.node(Layer::Script, &script.name);
        g.nodes[i].1.detail = format!(
            "{}, {} bytes{}",
            script.origin,
            script.size,
            match script.party {
                Some(Party::First) => ", first party",
                Some(Party::Third) => ", third party",
                _ => "",
            }
        );
        g.raise(i, script_risk.get(script.name.as_str()).copied());
        g.edge(page, i, false);
    }
    let mut host_requests: BTreeMap<usize, u32> = BTreeMap::new();
    for flow in &report.flows {
        let s = g.node(Layer::Script, &flow.script);
        if flow.script == PAGE_SCRIPT {
            g.nodes[s].1.detail = "requests no script started".to_string();
        }
        g.edge(page, s, false);
        let h = g.node(Layer::Host, &flow.host);
        g.edge(s, h, flow.requests == 0);
        *host_requests.entry(h).or_default() += flow.requests;
    }
    for (h, requests) in host_requests {
        g.nodes[h].1.detail = format!("{requests} request(s)");
    }
    for attribution in &report.attributions {
        let h = g.node(Layer::Host, &attribution.host);
        if g.nodes[h].1.detail.is_empty() {
            g.nodes[h].1.detail = "0 request(s)".to_string();
        }
        g.raise(h, host_risk.get(attribution.host.as_str()).copied());
        let owner = match (&attribution.entity, attribution.party) {
            (Some(entity), _) => entity.name.clone(),
            (None, Party::First) => "the site itself".to_string(),
            (None, _) => "unknown owner".to_string(),
        };
        let o = g.node(Layer::Owner, &owner);
        g.edge(h, o, false);
        let host_risk = g.nodes[h].1.risk;
        g.raise(o, host_risk);
        if !attribution.flags.is_empty() {
            g.nodes[o].1.flagged = true;
            g.nodes[h].1.flagged = true;
            let names: BTreeSet<&str> = attribution
                .flags
                .iter()
                .map(|f| f.list_name.as_str())
                .collect();
            g.nodes[o].1.detail = names.into_iter().collect::<Vec<_>>().join("; ");
        }
        let country = attribution.country.clone().unwrap_or_else(|| "??".into());
        let c = g.node(Layer::Country, &country);
        g.edge(o, c, false);
        let owner_risk = g.nodes[o].1.risk;
        g.raise(c, owner_risk);
        if g.nodes[o].1.flagged {
            g.nodes[c].1.flagged = true;
        }
    }
    // Scripts and the page carry the worst risk downstream of them.
    let worst = report.summary.highest;
    g.raise(page, worst);
    g
}

fn risk_class(node: &Node) -> &'static str {
    match node.risk {
        Some(Severity::Critical) => "r-critical",
        Some(Severity::High) => "r-high",
        Some(Severity::Medium) => "r-medium",
        Some(Severity::Low) => "r-low",
        Some(Severity::Info) => "r-info",
        None if node.flagged => "r-high",
        None => "r-none",
    }
}

/// The map section's markup. `prefix` starts every id, so that several
/// reports' maps can share one page.
pub(crate) fn render(report: &Report, prefix: &str) -> String {
    let g = build(report);
    let mut out = String::new();
    let _ = write!(
        out,
        "<div class=\"flowmap\" id=\"{prefix}flowmap\"><svg class=\"edges\" id=\"{prefix}edges\" aria-hidden=\"true\"></svg>"
    );
    for layer in Layer::ALL {
        let mut members: Vec<usize> = g
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, (l, _))| *l == layer)
            .map(|(i, _)| i)
            .collect();
        // Riskiest first, flagged before unflagged, then by name.
        members.sort_by(|&a, &b| {
            let (na, nb) = (&g.nodes[a].1, &g.nodes[b].1);
            nb.risk
                .cmp(&na.risk)
                .then(nb.flagged.cmp(&na.flagged))
                .then(na.label.cmp(&nb.label))
        });
        let _ = write!(
            out,
            "<div class=\"layer\"><h3>{} <span class=\"count\">{}</span></h3>",
            layer.title(),
            members.len()
        );
        for (k, &i) in members.iter().enumerate() {
            if k == SHOWN_PER_COLUMN {
                let _ = write!(
                    out,
                    "<details class=\"more\"><summary>{} more</summary>",
                    members.len() - SHOWN_PER_COLUMN
                );
            }
            render_node(&mut out, prefix, i, &g.nodes[i].1);
        }
        if members.len() > SHOWN_PER_COLUMN {
            out.push_str("</details>");
        }
        out.push_str("</div>");
    }
    out.push_str("</div>");
    out
}

fn render_node(out: &mut String, prefix: &str, i: usize, node: &Node) {
    let ids = |set: &BTreeSet<usize>| {
        set.iter()
            .map(|t| format!("{prefix}n{t}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let _ = write!(
        out,
        "<div class=\"node {}{}\" id=\"{prefix}n{i}\" tabindex=\"0\" data-to=\"{}\" data-latent=\"{}\" title=\"{}\"><span class=\"label\">{}</span>",
        risk_class(node),
        if node.flagged { " flagged" } else { "" },
        ids(&node.to),
        ids(&node.latent_to),
        text(&node.label),
        text(&node.label),
    );
    if !node.detail.is_empty() {
        let _ = write!(out, "<span class=\"detail\">{}</span>", text(&node.detail));
    }
    out.push_str("</div>");
}
