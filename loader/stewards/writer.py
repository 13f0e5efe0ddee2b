"""Stewards' writes: every change of a graph goes through the load pipeline and one lock.

read -> parse (``pipeline.stage_sources``) -> provenance (who, when, file) -> scope check ->
SHACL with the stored records the change refers to (``pipeline.check_staged``) -> one
transactional commit (``Store.replace_graphs``; an empty graph is a deletion) -> history row ->
``after_commit`` (the executor publishes a new generation). A refusal at any step writes nothing.

Who may write which graph: ``loader.stewards.scope``.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pyoxigraph

from unpacs.loader.errors import (
    ConflictError,
    InputError,
    Issue,
    ValidationFailedError,
)
from unpacs.loader.ingest import validation
from unpacs.loader.ingest.pipeline import Source, check_staged, stage_sources
from unpacs.loader.ingest.plan import plan_load
from unpacs.loader.settings import Settings
from unpacs.loader.stewards.diff import Statement, align_blank_nodes, flatten
from unpacs.loader.stewards.drafts import Drafts, text_hash
from unpacs.loader.stewards.history import COLUMNS, History, from_ntriples, to_ntriples
from unpacs.loader.stewards.ownership import OwnershipChecks, redescribe
from unpacs.loader.stewards.scope import (
    check_graph_iri,
    require_action,
)
from unpacs.loader.stewards.tokens import Token
from unpacs.loader.store.protocol import SolutionsResult, Store
from unpacs.loader.vocab import RDF_TYPE

__all__ = ["GraphWriter", "WriteResult", "check_graph_iri", "redescribe", "require_action"]

LOG = logging.getLogger(__name__)


def as_stored(triples: Sequence[pyoxigraph.Triple]) -> list[pyoxigraph.Triple]:
    """The triples as the store will hold them (it normalizes literals such as dateTimes), so
    the hash a pending commit records is the hash the store will show (``recover``)."""
    memory = pyoxigraph.Store()
    memory.extend(pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in triples)
    return [pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in memory]


def fingerprint(statements: set[Statement]) -> str:
    """A hash of a graph's content that does not depend on its blank-node labels."""
    text = "\n".join(sorted("\t".join((r, " ".join(p), v)) for r, p, v in statements))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class WriteResult:
    graphs: dict[str, int] = field(default_factory=dict)
    commits: list[int] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    draft: int | None = None


class GraphWriter(OwnershipChecks):
    """The one writer of an app: holds the lock, the history and the drafts."""

    def __init__(
        self, store: Store, settings: Settings, after_commit: Callable[[], object]
    ) -> None:
        self.store = store
        self.settings = settings
        self.after_commit = after_commit
        # Re-entrant: a publish or an update holds it from its check to its commit.
        self.lock = threading.RLock()
        self.history = History(settings.history_path)
        self.drafts = Drafts(settings.history_path)
        # Parses ``source`` where it can be stopped (a query worker) before this process
        # does; raises what parsing would. None: no such place (an in-memory or remote store).
        self.screen: Callable[[Source], object] | None = None
        self.recover()

    def current(self, graph: str) -> list[pyoxigraph.Triple]:
        return [
            pyoxigraph.Triple(q.subject, q.predicate, q.object)
            for q in self.store.quads(graph=graph)
        ]

    # -- staging -------------------------------------------------------------------------
    def stage(self, source: Source, *, add: bool) -> list[pyoxigraph.Triple]:
        """The graph's new content after replacing (``add=False``) or adding ``source``."""
        check_graph_iri(source.graph)
        if self.screen is not None:
            self.screen(source)
        staged = stage_sources([source], self.settings, self.store, validated=True)
        if set(staged) != {source.graph}:
            other = sorted(set(staged) - {source.graph})
            raise InputError(
                f"the upload names other graphs ({', '.join(other)}); send one graph's triples",
                file=source.name,
            )
        triples = staged[source.graph]
        if add:
            triples = self.current(source.graph) + triples
        return redescribe(
            source.graph, triples, source.file_name, source.data, self.settings.base_iri
        )

    def validate(self, graphs: Mapping[str, Sequence[pyoxigraph.Triple]]) -> list[Issue]:
        """SHACL of the new contents with the stored records they refer to; raises on violations."""
        non_empty = {g: list(t) for g, t in graphs.items() if t}
        # A record lives in one graph: describing it in another is refused, naming its graph.
        plan_load(self.store, non_empty, base_iri=self.settings.base_iri, chosen=list(graphs))
        issues = check_staged(non_empty, self.store, self.settings) if non_empty else []
        issues += self.dangling(graphs)
        if validation.violations(issues):
            raise ValidationFailedError(
                f"{len(validation.violations(issues))} violation(s) of the shapes; nothing was "
                "written",
                issues=issues,
                hint="fix the records named above and send them again",
            )
        return issues

    def dangling(self, graphs: Mapping[str, Sequence[pyoxigraph.Triple]]) -> list[Issue]:
        """Records other graphs point at that the change removes (no other graph types them)."""
        typed_after = {
            t.subject.value
            for triples in graphs.values()
            for t in triples
            if t.predicate.value == RDF_TYPE and isinstance(t.subject, pyoxigraph.NamedNode)
        }
        touched = ", ".join(f"<{g}>" for g in graphs)
        issues = []
        for graph in graphs:
            removed = sorted(
                {
                    t.subject.value
                    for t in self.current(graph)
                    if t.predicate.value == RDF_TYPE and isinstance(t.subject, pyoxigraph.NamedNode)
                }
                - typed_after
            )[:400]
            if not removed:
                continue
            values = " ".join(f"<{r}>" for r in removed)
            result = self.store.query(
                f"SELECT DISTINCT ?ref ?s WHERE {{ VALUES ?s {{ {values} }} "
                f"GRAPH ?h {{ ?ref ?p ?s }} FILTER(?h NOT IN ({touched})) "
                f"FILTER NOT EXISTS {{ GRAPH ?o {{ ?s a ?t }} FILTER(?o NOT IN ({touched})) }} "
                "} ORDER BY ?ref LIMIT 50"
            )
            assert isinstance(result, SolutionsResult)
            for row in result.rows():
                ref, target = row["ref"].value, row["s"].value  # type: ignore[union-attr]
                issues.append(
                    Issue(
                        f"{ref} refers to {target}, which this change removes from {graph}",
                        focus_node=ref,
                        value=target,
                        hint="change the referring record first, or change both together",
                    )
                )
        return issues

    def commit(
        self,
        token: Token,
        graphs: Mapping[str, Sequence[pyoxigraph.Triple]],
        *,
        action: str,
        source_file: str | None,
        comment: str | None,
        who: str | None = None,
        check: bool = True,
        draft: int | None = None,
        review_comment: str | None = None,
    ) -> WriteResult:
        """Scope, validate and commit ``graphs`` (graph -> new content; empty deletes).

        The commit is recorded as pending (its intent: the graphs, the hashes they will have,
        the draft it publishes) before the store is touched, and made a history row after, so
        a process killed in between is put right by ``recover`` on the next start.
        """
        with self.lock:
            before = {g: self.current(g) for g in graphs}
            # Unchanged blank nodes keep their stored labels: the patch holds only the change.
            graphs = {g: as_stored(align_blank_nodes(before[g], t)) for g, t in graphs.items()}
            for g, triples in graphs.items():
                check_graph_iri(g)
                self.scope(token, g, before[g], triples)
            issues = self.validate(graphs) if check else []
            issues += self.gate_notes(graphs)
            result = WriteResult(issues=issues)
            intent = uuid.uuid4().hex
            with self.history.connect() as db:
                for g, triples in graphs.items():
                    old, new = flatten(before[g]), flatten(triples)
                    change = History.plan(db, g, to_ntriples(before[g]), to_ntriples(triples))
                    History.insert(
                        db,
                        change,
                        who=who or token.label,
                        action=action,
                        source_file=source_file,
                        comment=comment,
                        added=len(new - old),
                        removed=len(old - new),
                        table="pending",
                        extra={
                            "intent": intent,
                            "draft": draft,
                            "reviewer": token.label,
                            "review_comment": review_comment,
                            "before_print": fingerprint(old),
                            "after_print": fingerprint(new),
                        },
                    )
                    result.graphs[g] = len(triples)
            self._pause("before-store-commit")
            try:
                self.store.replace_graphs(graphs)
            except BaseException:
                # A remote store may have applied it before the answer was lost: look.
                self.resolve(intent)
                raise
            self._pause("after-store-commit")
            result.commits = self.finish(intent)
            self.after_commit()
            return result

    def _pause(self, point: str) -> None:
        """The test-only crash point (``UNPACS_TEST_PAUSE_AT``); nothing unless it is set."""
        if self.settings.test_pause_at == point:
            print(f"unpacs: test pause at {point}", file=sys.stderr, flush=True)
            time.sleep(600)

    def finish(self, intent: str) -> list[int]:
        """Turn the pending rows of ``intent`` into history rows; close the draft they publish."""
        with self.history.connect() as db:
            rows = db.execute(
                "SELECT row, draft, reviewer, review_comment FROM pending WHERE intent = ?"
                " ORDER BY row",
                (intent,),
            ).fetchall()
            ids = []
            for row, _draft, _reviewer, _comment in rows:
                cursor = db.execute(
                    f"INSERT INTO commits ({COLUMNS}) SELECT {COLUMNS} FROM pending"  # noqa: S608
                    " WHERE row = ?",
                    (row,),
                )
                assert cursor.lastrowid is not None
                ids.append(cursor.lastrowid)
            if rows and rows[0][1] is not None:
                Drafts.close_in(
                    db,
                    rows[0][1],
                    status="published",
                    reviewer=rows[0][2],
                    comment=rows[0][3],
                    commit_id=ids[0],
                )
            db.execute("DELETE FROM pending WHERE intent = ?", (intent,))
        return ids

    def resolve(self, intent: str) -> str:
        """Settle a pending commit by what the store holds: "committed", "absent" or "unknown".

        Committed (every graph has the content the commit would give it): recorded as a history
        row and its draft published. Absent (every graph as before): dropped, the draft stays
        open. Anything else (the store was changed by hand since): dropped and logged; the
        draft stays open and publishing it is refused, as its graph changed.
        """
        with self.history.connect() as db:
            rows = db.execute(
                "SELECT graph, before_hash, after_hash, before_print, after_print FROM pending"
                " WHERE intent = ?",
                (intent,),
            ).fetchall()
        states = set()
        for graph, before_hash, after_hash, before_print, after_print in rows:
            current = self.current(graph)
            exact = text_hash(to_ntriples(current))
            # A remote store labels blank nodes afresh: compare blank-node-free prints too.
            printed = fingerprint(flatten(current)) if before_print != after_print else None
            if exact == after_hash or (exact != before_hash and printed == after_print):
                states.add("committed")
            elif exact == before_hash or printed == before_print:
                states.add("absent")
            else:
                states.add("unknown")
        outcome = states.pop() if len(states) == 1 else "unknown"
        if outcome == "committed":
            self.finish(intent)
        else:
            with self.history.connect() as db:
                db.execute("DELETE FROM pending WHERE intent = ?", (intent,))
        if outcome == "unknown":
            LOG.warning("pending commit %s matches neither side in the store: dropped", intent)
        return outcome

    def recover(self) -> dict[str, str]:
        """Settle every commit a killed process left pending (run when the writer is made)."""
        with self.lock:
            with self.history.connect() as db:
                intents = [
                    r[0]
                    for r in db.execute(
                        "SELECT intent FROM pending GROUP BY intent ORDER BY MIN(row)"
                    ).fetchall()
                ]
            outcomes = {intent: self.resolve(intent) for intent in intents}
            if any(o == "committed" for o in outcomes.values()):
                self.after_commit()
            return outcomes

    def revert(self, token: Token, graph: str, commit_id: int, comment: str | None) -> WriteResult:
        """Give ``graph`` back the exact content it had before commit ``commit_id``."""
        require_action(token, "publish")
        target = self.history.get(commit_id)
        if target.graph != graph:
            raise InputError(f"commit {commit_id} changed {target.graph}, not {graph}")
        return self.commit(
            token,
            {graph: from_ntriples(target.before_nt)},
            action=f"revert to before #{commit_id}",
            source_file=None,
            comment=comment,
        )

    # -- drafts --------------------------------------------------------------------------
    def submit_draft(
        self,
        token: Token,
        graph: str,
        content: Sequence[pyoxigraph.Triple],
        source_file: str | None,
        comment: str | None,
    ) -> WriteResult:
        require_action(token, "draft")
        check_graph_iri(graph)
        base = self.current(graph)
        self.scope(token, graph, base, content)
        issues = self.validate({graph: content})
        draft = self.drafts.add(
            who=token.label,
            graph=graph,
            source_file=source_file,
            comment=comment,
            base_nt=to_ntriples(base),
            content_nt=to_ntriples(content),
        )
        return WriteResult(graphs={graph: len(content)}, issues=issues, draft=draft)

    def publish_draft(self, token: Token, draft_id: int, comment: str | None) -> WriteResult:
        require_action(token, "publish")
        with self.lock:
            draft = self.drafts.get(draft_id)
            if draft.status != "open":
                raise ConflictError(f"draft {draft_id} is {draft.status}, not open")
            if text_hash(to_ntriples(self.current(draft.graph))) != draft.base_hash:
                raise ConflictError(
                    f"graph {draft.graph} changed since draft {draft_id} was made",
                    hint="send the draft back; the steward submits it again on the new version",
                )
            # The draft is closed in the same transaction as its history row (``finish``).
            result = self.commit(
                token,
                {draft.graph: from_ntriples(draft.content_nt)},
                action=f"publish draft #{draft_id}",
                source_file=draft.source_file,
                comment="; ".join(c for c in (draft.comment, comment) if c) or None,
                who=f"{token.label} (draft by {draft.who})",
                draft=draft_id,
                review_comment=comment,
            )
        result.draft = draft_id
        return result

    def return_draft(self, token: Token, draft_id: int, comment: str | None) -> None:
        require_action(token, "publish")
        draft = self.drafts.get(draft_id)
        if draft.status != "open":
            raise ConflictError(f"draft {draft_id} is {draft.status}, not open")
        self.scope(token, draft.graph, [], from_ntriples(draft.content_nt))
        self.drafts.close_draft(
            draft_id, status="returned", reviewer=token.label, comment=comment, commit_id=None
        )
