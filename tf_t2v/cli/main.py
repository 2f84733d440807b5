"""The `tf-t2v` command line: one subcommand per module in `tf_t2v.cli`.

Each subcommand module defines `add_parser(subparsers)`, which registers its parser and sets
`func` to a function taking the parsed arguments. Heavy imports (TensorFlow) stay inside those
functions so that `tf-t2v --help` is instant.
"""

import argparse
import importlib
import logging
import os
import sys

# Subcommand name -> module, in the order `--help` lists them.
SUBCOMMANDS = {
    "data": "tf_t2v.cli.data",
    "train": "tf_t2v.cli.train",
    "export": "tf_t2v.cli.export",
    "generate": "tf_t2v.cli.generate",
    "evaluate": "tf_t2v.cli.evaluate",
    "models": "tf_t2v.cli.models",
}


def build_parser():
    parser = argparse.ArgumentParser(
        prog="tf-t2v", description="Text-to-video with TensorFlow and Keras 3."
    )
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log debug messages and TensorFlow's own log lines")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in SUBCOMMANDS.values():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name != module_name:
                raise
            continue  # A subcommand not in this build.
        module.add_parser(subparsers)
    return parser


def quiet_tensorflow():
    """Imports TensorFlow (and TF Text) and looks for devices with the process's stderr shut, so
    that TensorFlow's C++ start-up lines (oneDNN notice, "Could not find cuda drivers", an
    error-level "failed call to cuInit" on a machine without a GPU) stay out of the output;
    they are written before any log setting applies. `-v` shows them."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # later INFO and WARNING lines too
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import tensorflow as tf
        import tensorflow_text  # noqa: F401

        tf.config.list_physical_devices()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.verbose:
        quiet_tensorflow()
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(message)s",
    )
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        print("tf-t2v: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - only the kinds `_user_error` names are caught
        message = _user_error(e)
        if message is None or args.verbose:
            raise
        print(f"tf-t2v {args.command}: error: {message}", file=sys.stderr)
        return 2


def _user_error(error):
    """One line for errors a user can act on (bad values, files, ffmpeg, TF runtime), else None.

    Bugs (TypeError, KeyError, ...) keep their traceback.
    """
    if isinstance(error, (ValueError, OSError, RuntimeError)):
        text = str(error)
    elif "tensorflow" in sys.modules and isinstance(error, sys.modules["tensorflow"].errors.OpError):
        text = error.message
    else:
        return None
    return " ".join(text.split()) or type(error).__name__


if __name__ == "__main__":
    sys.exit(main())
