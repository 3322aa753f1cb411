"""No process-wide side effects: warning filters and fork hooks stay scoped to our own torch models,
and the command line freezes the collector when its command has ended.

Each test runs in a fresh interpreter: torch warns about projected LSTMs only
once per process, and fork hooks cannot be removed once registered.
"""
from .conftest import run_python


def test_importing_the_lstm_module_leaves_the_warning_filters_alone():
    code = (
        "import warnings, torch, spacy_elmo_w2v.elmo\n"
        "before = list(warnings.filters)\n"
        "import spacy_elmo_w2v.elmo.lstm\n"
        "print(warnings.filters == before)\n"
    )
    assert run_python(code).strip() == "True"


def test_projected_lstm_stack_runs_without_the_onednn_warning_and_restores_the_filters():
    code = (
        "import warnings, torch\n"
        "from spacy_elmo_w2v.elmo.lstm import LSTMStack\n"
        "stack = LSTMStack(2, 4, 8, residual=True, dropout=0.0)\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    before = list(warnings.filters)\n"
        "    stack(torch.randn(2, 3, 4))\n"
        "    after = list(warnings.filters)\n"
        "print(before == after, [str(w.message) for w in caught if 'oneDNN' in str(w.message)])\n"
    )
    assert run_python(code).strip() == "True []"


FORK_CHILD_THREADS = """
import gc, os, torch
from spacy_elmo_w2v.wrapping import wrap_torch_module

def threads_in_child():
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(write, str(torch.get_num_threads()).encode())
        os._exit(0)
    os.waitpid(pid, 0)
    return int(os.read(read, 16))

torch.set_num_threads(2)
print(threads_in_child())
model = wrap_torch_module(torch.nn.Linear(2, 2))
print(threads_in_child())
del model
gc.collect()
print(threads_in_child())
"""


def test_forked_child_runs_torch_on_one_thread_only_while_one_of_our_models_is_alive():
    assert run_python(FORK_CHILD_THREADS).split() == ["2", "1", "2"]


CLI_EXIT = """
import atexit, gc, runpy, sys
atexit.register(lambda: print("FROZEN", gc.get_freeze_count() > 0))
sys.argv = ["spacy_elmo_w2v", {argv!r}]
runpy.run_module("spacy_elmo_w2v", run_name="__main__")
"""


def test_the_command_line_freezes_the_collector_when_its_command_ends_and_keeps_its_exit_status():
    for argv, status in (("--help", 0), ("no-such-command", 2)):
        assert "FROZEN True" in run_python(CLI_EXIT.format(argv=argv), status=status)


def test_importing_the_package_adds_no_doc_extension_until_an_elmo_component_is_made():
    code = (
        "from spacy.tokens import Doc\n"
        "import spacy, spacy_elmo_w2v.elmo.component, spacy_elmo_w2v.elmo.listener\n"
        "print(Doc.has_extension('elmo_layers'), Doc.has_extension('elmo_bilm'))\n"
        "spacy.blank('en').add_pipe('elmo_vectors')\n"
        "print(Doc.has_extension('elmo_layers'), Doc.has_extension('elmo_bilm'))\n"
    )
    assert run_python(code).split() == ["False", "False", "True", "True"]
