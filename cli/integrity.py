"""`desk replay verify | anchor | keygen`: hold the log to its chain key and signed checkpoints.

Exit codes of `verify`: 0 the chain holds and the rebuild equals the saved live state;
1 a problem (named); 3 the chain holds but no live state was saved, so no rebuild was
compared (never reported as OK); 2 a bad option, key or checkpoint.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from aiokafka.errors import KafkaError

from adapters.eventstore.chain_keys import CHAIN_KEY_FILE_ENV, KeyFileError, chain_keyring
from adapters.eventstore.checkpoints import (
    CHECKPOINT_FILE_ENV,
    CHECKPOINT_KEY_FILE_ENV,
    CHECKPOINT_PUBLIC_KEY_FILE_ENV,
    Checkpoint,
    CheckpointError,
    append,
    checkpoint_file,
    latest,
    new_private_key_pem,
    parse_checkpoint,
    private_key,
    public_key,
    public_pem,
    sign,
)
from adapters.eventstore.url import redact, store_label
from adapters.kafka.checkpoints import newest_on_topic
from adapters.kafka.topics import CHECKPOINTS_TOPIC, in_namespace
from cli.options import add_kafka, add_store, existing_store, kafka_bootstrap
from cli.progress import ProgressBar
from replay.reviews import replay_rule_reviews
from replay.verify import Verdict, verify

EXIT_STATE_NOT_COMPARED = 3


def register(rsub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add verify, anchor and keygen to `desk replay`."""
    p = rsub.add_parser("verify", help="check the chain, the newest signed checkpoint and "
                        "rebuild every projection")
    add_store(p)
    p.add_argument("--checkpoint", default=None, metavar="TEXT",
                   help="a checkpoint printed by `desk replay anchor` (default: the newest of "
                   "this store in the checkpoint file)")
    _add_checkpoint_file(p)
    p.add_argument("--from-kafka", action="store_true",
                   help="check against the newest checkpoint of this store on the "
                   "desk.checkpoints topic (signed by the relay) instead of the file; "
                   "--bootstrap and --namespace say where")
    add_kafka(p, partitions=False)  # reads desk.checkpoints; creates no topic
    p.add_argument("--rule-reviews", action="store_true",
                   help="also run the judge's rule-based reviewer over every card (the model "
                   "is never called): recorded rule reviews must come out identical")
    p.set_defaults(func=_verify)
    p = rsub.add_parser("anchor", help="verify, then sign the log's head and append the "
                        "checkpoint to the checkpoint file; prints it to keep elsewhere")
    add_store(p)
    _add_checkpoint_file(p)
    p.set_defaults(func=_anchor)
    p = rsub.add_parser("keygen", help="create a chain key and a checkpoint key (owner-only "
                        "files); with an existing chain key file, append a new key (rotation)")
    p.add_argument("--dir", type=Path, default=Path(".desk/keys"), help="default .desk/keys")
    p.set_defaults(func=_keygen)


def _add_checkpoint_file(p: argparse.ArgumentParser) -> None:
    p.add_argument("--checkpoint-file", type=Path, default=None, metavar="FILE",
                   help=f"default ${CHECKPOINT_FILE_ENV}, else .desk/checkpoints.jsonl")


def _verify(args: argparse.Namespace) -> int:
    try:
        keyring, public = chain_keyring(), public_key()
        cp = parse_checkpoint(args.checkpoint) if args.checkpoint else None
    except (KeyFileError, CheckpointError) as e:
        print(f"desk: {e}", file=sys.stderr)
        return 2
    store = existing_store(args)
    label = store_label(store.url)
    source = "command line"
    if cp is None and args.from_kafka:
        try:
            cp, source = _from_kafka(args, label)
        except CheckpointSourceError as e:
            print(f"desk: {e}", file=sys.stderr)
            return 2
    elif cp is None:
        path = args.checkpoint_file or checkpoint_file()
        cp, source = latest(path, label), str(path)
    bar = ProgressBar("verify")
    verdict = verify(store, keyring, cp, public, progress=bar)
    bar.close()
    if cp is not None and cp.store != label:
        verdict.fail(f"the checkpoint names the store {cp.store}, not this one ({label})")
    rules = replay_rule_reviews(store) if args.rule_reviews else None
    if rules is not None and not rules.ok:
        verdict.fail(f"{len(rules.differing)} rule-based reviews do not come out the same "
                     f"again: {', '.join(rules.differing[:5])}")
    code = 0 if verdict.ok and verdict.compared_at is not None else 1
    if verdict.ok and verdict.compared_at is None:
        code = EXIT_STATE_NOT_COMPARED
    if args.json:
        print(json.dumps({"ok": verdict.ok, "events": verdict.events,
                          "problems": verdict.problems, "first_bad": verdict.first_bad,
                          "compared_at": verdict.compared_at, "chain": verdict.chain,
                          "keys": verdict.keys, "checkpoint": verdict.checkpoint,
                          "store": redact(store.url),
                          **({"rule_reviews": asdict(rules)} if rules else {})}))
        return code
    print(f"store {redact(store.url)}: {verdict.events} events checked")
    print(_chain_line(verdict))
    print(_checkpoint_line(verdict, cp, source))
    if verdict.ok and verdict.compared_at is not None:
        print(f"OK: hash chain intact, every event decoded and folded; the rebuild "
              f"matches the live state saved at position {verdict.compared_at}")
    elif verdict.ok:
        print("NOT COMPARED: hash chain intact, every event decoded and folded, but no live "
              "state was saved in this store, so no rebuild was compared (`desk demo` saves "
              "one; after a demo, a missing live state means its row was deleted)")
    if rules is not None:
        print(f"rule-based reviewer over {rules.cards} cards: {rules.reproduced} of "
              f"{rules.rule_reviews} recorded rule reviews reproduced; same verdict as "
              f"the model on {rules.same_verdict_as_model} of {rules.model_reviews}")
    for problem in verdict.problems:
        print(f"FAIL: {problem}")
    return code


def _from_kafka(args: argparse.Namespace, label: str) -> tuple[Checkpoint | None, str]:
    bootstrap = kafka_bootstrap(args)
    topic = in_namespace(CHECKPOINTS_TOPIC, args.namespace)
    try:
        cp = asyncio.run(newest_on_topic(bootstrap, args.namespace, label))
    except (KafkaError, OSError, TimeoutError) as e:
        raise CheckpointSourceError(f"cannot read {topic} from {bootstrap}: {e!r}") from None
    return cp, f"{topic} on {bootstrap}"


class CheckpointSourceError(RuntimeError):
    """The checkpoint source named on the command line cannot be read."""


def _chain_line(verdict: Verdict) -> str:
    proves = ("edits without the key are caught; keep the key outside the database host")
    return {
        "keyed": f"chain: keyed (HMAC-SHA256, key {', '.join(verdict.keys)}): {proves}",
        "unkeyed": ("chain: unkeyed (plain SHA-256): proves the log is consistent, not that "
                    f"no one re-chained it; set {CHAIN_KEY_FILE_ENV} to key new links"),
        "mixed": (f"chain: mixed: {verdict.unkeyed_links} unkeyed link(s) from before a key "
                  f"was set, then {verdict.keyed_links} keyed (key "
                  f"{', '.join(verdict.keys)})"),
        "empty": "chain: empty log",
    }[verdict.chain]


def _checkpoint_line(verdict: Verdict, cp: Checkpoint | None, source: str) -> str:
    if cp is None:
        return ("checkpoint: none (`desk replay anchor` signs one): a truncated tail or a "
                "re-chained edit is not detectable without it")
    return f"checkpoint: position {cp.position}, signed {cp.at} (from {source})"


def _anchor(args: argparse.Namespace) -> int:
    try:
        private, keyring = private_key(), chain_keyring()
    except KeyFileError as e:
        print(f"desk: {e}", file=sys.stderr)
        return 2
    if private is None:
        print(f"desk: no checkpoint key: set {CHECKPOINT_KEY_FILE_ENV} (`desk replay keygen` "
              "creates one)", file=sys.stderr)
        return 2
    store = existing_store(args)
    label = store_label(store.url)
    path = args.checkpoint_file or checkpoint_file()
    bar = ProgressBar("verify")
    verdict = verify(store, keyring, latest(path, label), private.public_key(), progress=bar)
    bar.close()
    if not verdict.ok:
        print("desk: the log does not verify; nothing signed:\n  " + "\n  ".join(
            verdict.problems), file=sys.stderr)
        return 1
    head = store.head()
    links = store.chained.chain(head, head)
    if not links:
        print("desk: the log is empty; nothing to sign", file=sys.stderr)
        return 1
    cp = sign(private, label, head, links[0][1], datetime.now(UTC))
    append(path, cp)
    if args.json:
        print(cp.text())
    else:
        print(f"checkpoint of position {head} appended to {path}; keep this line elsewhere "
              "and pass it to `desk replay verify --checkpoint`:")
        print(cp.text())
    return 0


def _keygen(args: argparse.Namespace) -> int:
    directory: Path = args.dir
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    chain_file, pem, pub = (directory / "chain.key", directory / "checkpoint.pem",
                            directory / "checkpoint.pub")
    # Appending keeps the old keys for verifying old links; the last line signs new ones.
    rotated = chain_file.exists()
    _write_private(chain_file, (secrets.token_hex(32) + "\n").encode(), append_to=rotated)
    if not pem.exists():
        _write_private(pem, new_private_key_pem())
        key = private_key({CHECKPOINT_KEY_FILE_ENV: str(pem)})
        assert key is not None
        pub.write_bytes(public_pem(key))
    print(f"{'appended a new chain key to' if rotated else 'chain key in'} {chain_file}")
    print(f"checkpoint key in {pem} (public: {pub})")
    print(f"export {CHAIN_KEY_FILE_ENV}={chain_file.resolve()}")
    print(f"export {CHECKPOINT_KEY_FILE_ENV}={pem.resolve()}")
    print(f"# a machine that only verifies: export {CHECKPOINT_PUBLIC_KEY_FILE_ENV}="
          f"{pub.resolve()}")
    return 0


def _write_private(path: Path, data: bytes, append_to: bool = False) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append_to else os.O_EXCL)
    fd = os.open(path, flags, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)

