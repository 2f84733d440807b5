import tensorflow as tf

from tf_t2v.cli import main as cli_main


def test_runtime_and_tensorflow_errors_are_one_line():
    assert cli_main._user_error(RuntimeError("ffmpeg failed:\n  broken pipe")) == "ffmpeg failed: broken pipe"
    assert cli_main._user_error(tf.errors.InvalidArgumentError(None, None, "bad\nvalue")) == "bad value"
    assert cli_main._user_error(FileNotFoundError("No model at 'x'")) == "No model at 'x'"
    assert cli_main._user_error(TypeError("a bug")) is None  # bugs keep their traceback


def test_help_lists_every_subcommand(capsys):
    try:
        cli_main.main(["--help"])
    except SystemExit as e:
        assert e.code == 0
    out = capsys.readouterr().out
    for name in cli_main.SUBCOMMANDS:
        assert name in out
