"""Reads run folders' event files with TensorBoard's own reader (EventAccumulator, which
also drops what a restart marker orphans, as TensorBoard does) and prints, as JSON, what it
holds per folder: every scalar tag's (step, value) pairs, every image tag's (step, width,
height as recorded, width and height as decoded by Pillow), every text tag's (step, text) and
the HParams plugin's record of the run (its options as hyperparameters, its end status);
and, read record by record from the files in name order with nothing dropped
(LegacyEventFileLoader), the steps of every scalar tag as the files hold them ("raw_steps").
Used by tests/tensorboard.rs.

Usage: python read_events.py RUN_FOLDER...
"""
import glob
import io
import json
import os
import sys

from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader
from tensorboard.plugins.hparams import plugin_data_pb2

KEEP_ALL = {"scalars": 0, "images": 0, "tensors": 0}


def read(folder):
    accumulator = EventAccumulator(folder, size_guidance=KEEP_ALL)
    accumulator.Reload()
    tags = accumulator.Tags()
    scalars = {tag: [[e.step, e.value] for e in accumulator.Scalars(tag)] for tag in tags["scalars"]}
    images = {}
    for tag in tags["images"]:
        images[tag] = []
        for event in accumulator.Images(tag):
            decoded = Image.open(io.BytesIO(event.encoded_image_string))
            decoded.load()
            images[tag].append([event.step, event.width, event.height, *decoded.size])
    texts = {
        tag: [[e.step, e.tensor_proto.string_val[0].decode()] for e in accumulator.Tensors(tag)]
        for tag in tags["tensors"]
        if accumulator.SummaryMetadata(tag).plugin_data.plugin_name == "text"
    }
    hparams = {}
    for tag in tags["tensors"]:
        metadata = accumulator.SummaryMetadata(tag).plugin_data
        if metadata.plugin_name == "hparams":
            data = plugin_data_pb2.HParamsPluginData.FromString(metadata.content)
            if data.HasField("session_start_info"):
                hparams["start"] = {
                    key: getattr(value, value.WhichOneof("kind"))
                    for key, value in data.session_start_info.hparams.items()
                }
            if data.HasField("session_end_info"):
                hparams["end_status"] = data.session_end_info.status
    raw_steps = {}
    for path in sorted(glob.glob(os.path.join(folder, "*tfevents*"))):
        for event in LegacyEventFileLoader(path).Load():
            for value in event.summary.value:
                if value.HasField("simple_value"):
                    raw_steps.setdefault(value.tag, []).append(event.step)
    return {"scalars": scalars, "images": images, "texts": texts, "hparams": hparams,
            "raw_steps": raw_steps}


if __name__ == "__main__":
    print(json.dumps({folder: read(folder) for folder in sys.argv[1:]}))
