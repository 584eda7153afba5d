"""The part of every panel's model info line that comes from the checkpoint's training
record (playground.panels.model_source.training_facts): the same words in every panel, and
metadata of the wrong type shown as nothing rather than raised on."""
from playground.panels.model_source import training_facts


def test_one_process_run():
    meta = {"dataset": {"name": "mnist"}, "steps": 12345}
    assert training_facts(meta) == ["trained on mnist", "12,345 steps"]


def test_several_processes_name_the_count_and_the_global_batch():
    meta = {"steps": 10, "distributed": {"world_size": 4, "global_batch": 256,
                                         "backend": "nccl", "batch_norm": "sync"}}
    assert training_facts(meta) == ["10 steps", "4 processes, global batch 256"]


def test_a_single_process_record_adds_nothing():
    meta = {"distributed": {"world_size": 1, "global_batch": 128, "backend": "none"}}
    assert training_facts(meta) == []


def test_foreign_types_are_left_out():
    for meta in ({"dataset": "mnist"}, {"dataset": {"name": 3}}, {"steps": True},
                 {"steps": "12"}, {"steps": -1}, {"distributed": [2]},
                 {"distributed": {"world_size": "2"}}, {"distributed": {"world_size": True}}):
        assert training_facts(meta) == [], meta
    assert training_facts({"distributed": {"world_size": 2, "global_batch": "x"}}) == ["2 processes"]
