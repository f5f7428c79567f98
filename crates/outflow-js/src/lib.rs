//! Static analysis of JavaScript: what a script can reach and what it probes.
