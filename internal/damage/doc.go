// Package damage damages copies of PST and OST files the ways users meet
// damage — sectors zeroed by a failing disk, random bit flips, the
// header's B-tree roots destroyed, a file truncated by an interrupted
// copy, a B-tree page overwritten, a data tree looping back on itself, a
// block zeroed — and measures what a reader gets back from the damaged
// copy.
//
// Every damage is deterministic: the same bytes and seed give the same
// copy. Each is aware of the file's structure: Map opens the intact file
// through formats/pst/ndb and records where the header's root
// references, every B-tree page, every block and every node are, so that
// a damage can aim at a structure (DestroyRoots, OverwritePage,
// LoopDataTree, ZeroBlock) and so that any damage can say what it hit
// (Damage.Hits).
//
// The recall harness (Reference, Found, Score, Expect) compares what a
// reader recovers from a damaged copy with the items of the intact file:
// by Message-ID where the item has one, otherwise by node id and subject
// (for tools that name node ids) or by subject alone. Expect says how
// many items should come back: those whose every block is untouched
// (Untouched: a reader that can rebuild everything from blocks gets
// them), those whose blocks and B-tree leaf entries are untouched
// (Scannable: a reader that rebuilds the B-trees from surviving leaf
// pages gets them) and those still reachable through undamaged header
// roots and B-tree pages (Reachable: any reader that skips damaged pages
// gets them).
package damage
