"""Model registry and storage: build any model by name, save/load safetensors + JSON card.

A model on disk is two files side by side: ``NAME.safetensors`` (weights only, no code)
and ``NAME.json`` (the card: architecture, config, training, measured figures). Loading
builds the architecture the card names and loads the weights strictly, so a card that does
not match its weights is an error, never a silently half-loaded model.
"""

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from djscc.errors import InputError, ModelFileError
from djscc.nn.attenjscc import AttenJSCC, AttenJSCCConfig
from djscc.nn.classifier import Classifier, ClassifierConfig
from djscc.nn.codec import ChannelCodec
from djscc.nn.gated import GatedJSCC, GatedJSCCConfig
from djscc.nn.lssc import LSSC, LSSCConfig
from djscc.nn.models import JSCCConfig, JSCCModel
from djscc.nn.widen import widened
from djscc.paths import add_suffix, write_atomically

CARD_FORMAT = "gr-djscc-model/1"

# name -> (builder, config class, fixed config). A card's config may set any field but the
# fixed ones, which are what tell the architectures of one family apart.
ARCHITECTURES = {
    "djscc": (JSCCModel, JSCCConfig, {"attention": "none"}),
    "adjscc": (JSCCModel, JSCCConfig, {"attention": "channel"}),
    "da-djscc": (JSCCModel, JSCCConfig, {"attention": "channel+spatial"}),
    "attenjscc": (AttenJSCC, AttenJSCCConfig, {}),
    "lssc": (LSSC, LSSCConfig, {}),
    "gated-jscc": (GatedJSCC, GatedJSCCConfig, {}),
    "classifier": (Classifier, ClassifierConfig, {}),
}
# Where a model's bare name is looked up (search_path): $DJSCC_MODEL_PATH, the user's folder,
# and the models/ folder of the checkout this package runs from (an editable install).
MODEL_PATH_VARIABLE = "DJSCC_MODEL_PATH"
MODELS_DIR = Path(__file__).resolve().parents[4] / "models"
MAX_PARAMETERS = 100_000_000  # 400 MB of float32: 4.6 times AttenJSCC's Table 1 configuration
CODEC_IDS = range(1, 232)  # the header's model ids of neural codecs; 232.. are the digital MCSs
WIDENING_NOISE = 0.01  # warm_start's Net2Wider copies share a weight unequally, by 1 % of its spread


def build(architecture: str, **config) -> torch.nn.Module:
    """A fresh model of a registered architecture, defaults overridden by ``config``. The
    config is tried on torch's meta device first (no memory), so one that does not build, or
    that would have more than MAX_PARAMETERS, is refused before anything is allocated."""
    size = sum(p.numel() for p in _build(architecture, config, "meta").parameters())
    if size > MAX_PARAMETERS:
        raise ModelFileError(f"invalid config for {architecture}: {size:,} parameters, more "
                             f"than the {MAX_PARAMETERS:,} a model may have")
    return _build(architecture, config, "cpu")


def _build(architecture: str, config: dict, device: str) -> torch.nn.Module:
    if architecture not in ARCHITECTURES:
        raise ModelFileError(f"unknown architecture {architecture!r}; registered: "
                             f"{sorted(ARCHITECTURES)}")
    builder, config_class, fixed = ARCHITECTURES[architecture]
    for key, value in fixed.items():
        if config.get(key, value) != value:
            raise ModelFileError(f"invalid config for {architecture}: {key} {config[key]!r} "
                                 f"is not this architecture's {value!r}")
    try:
        with torch.device(device):
            model = builder(config_class(**{**config, **fixed}))
    except (TypeError, ValueError, RuntimeError) as error:
        raise ModelFileError(f"invalid config for {architecture}: {error}") from None
    model.architecture = architecture
    return model


def card_path(path: str | Path) -> Path:
    return add_suffix(_stem(path), ".json")


def weights_path(path: str | Path) -> Path:
    return add_suffix(_stem(path), ".safetensors")


def _stem(path: str | Path) -> Path:
    path = Path(path)
    return path.with_suffix("") if path.suffix in (".json", ".safetensors") else path


def save(model: torch.nn.Module, path: str | Path, card: dict) -> Path:
    """Write NAME.safetensors and NAME.json for a model made by ``build``; ``card`` adds to it."""
    card = {"format": CARD_FORMAT, "architecture": model.architecture,
            "config": model.config.to_dict(),
            "parameters": sum(p.numel() for p in model.parameters()), **card}
    weights = {name: tensor.detach().cpu().contiguous() for name, tensor in model.state_dict().items()}
    weights_file = weights_path(path)
    _check_finite(weights, weights_file)
    weights_file.parent.mkdir(parents=True, exist_ok=True)
    # weights first, then the card: a stop in between leaves the old card, which the new
    # weights' shapes may not match, and load says so (never a half-written file)
    write_atomically(weights_file, lambda file: save_file(weights, str(file), metadata={"format": CARD_FORMAT}))
    write_atomically(card_path(path), lambda file: file.write_text(json.dumps(card, indent=2) + "\n"))
    return weights_file


def read_card(path: str | Path) -> dict:
    """The JSON card of a model, checked for the fields loading needs (what the config holds
    is checked by building it, in ``build``)."""
    file = card_path(path)
    if not file.is_file():
        folders = ", ".join(map(str, search_path()))
        raise ModelFileError(f"model card {file} not found (a model is NAME.safetensors + "
                             f"NAME.json; a bare name is looked up in {folders})")
    try:
        card = json.loads(file.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"model card {file} is not valid JSON: {error}") from None
    if not isinstance(card, dict) or card.get("format") != CARD_FORMAT:
        raise ModelFileError(f"{file} is not a gr-djscc model card (format {CARD_FORMAT!r})")
    for key, kind in (("architecture", str), ("config", dict)):
        if key not in card:
            raise ModelFileError(f"model card {file} lacks {key!r}")
        if not isinstance(card[key], kind):
            raise ModelFileError(f"model card {file}: {key!r} must be a {kind.__name__}, "
                                 f"not {card[key]!r}")
    model_id = card.get("model_id", 1)
    if not isinstance(model_id, int) or isinstance(model_id, bool) or model_id not in CODEC_IDS:
        raise ModelFileError(f"model card {file}: model_id must be an integer "
                             f"{CODEC_IDS.start}..{CODEC_IDS.stop - 1}, not {model_id!r}")
    if not isinstance(card.get("name", ""), str):
        raise ModelFileError(f"model card {file}: name must be a string")
    return card


def load(path: str | Path, device: str | torch.device = "cpu") -> tuple[torch.nn.Module, dict]:
    """(model in eval mode, card) from NAME, NAME.json or NAME.safetensors, or a shipped name.
    The card's shapes are compared with the weights' before the model is allocated."""
    path = resolve(path)
    card = read_card(path)
    file = weights_path(path)
    if not file.is_file():
        raise ModelFileError(f"model weights {file} not found")
    shapes = _card_shapes(card)
    try:
        with safe_open(str(file), framework="pt") as weights_file:
            stored = {key: tuple(weights_file.get_slice(key).get_shape()) for key in weights_file.keys()}
    except (SafetensorError, OSError, ValueError) as error:
        raise ModelFileError(f"{file} is not a readable safetensors file: {error}") from None
    if stored != shapes:
        differ = sorted(key for key in shapes.keys() | stored.keys() if shapes.get(key) != stored.get(key))
        raise ModelFileError(f"the card {card_path(path).name} does not match the weights in "
                             f"{file.name}: {len(differ)} tensors differ, e.g. {differ[:3]} "
                             f"(card {[shapes.get(k) for k in differ[:3]]}, weights "
                             f"{[stored.get(k) for k in differ[:3]]})")
    try:
        weights = load_file(str(file), device=str(device))
    except (SafetensorError, OSError, ValueError) as error:
        raise ModelFileError(f"{file} is not a readable safetensors file: {error}") from None
    _check_finite(weights, file)
    model = build(card["architecture"], **card["config"])
    model.load_state_dict(weights, strict=True)
    card.setdefault("name", _stem(path).name)
    return model.to(device).eval(), card


def load_codec(path: str | Path, device: str | torch.device = "cpu") -> tuple[ChannelCodec, dict]:
    """``load`` for what sends or receives images: the model must be a codec, not e.g. the
    classifier."""
    model, card = load(path, device)
    if not isinstance(model, ChannelCodec):
        raise ModelFileError(f"model {card['name']!r} is a {card['architecture']}, not an image "
                             f"codec (one of {sorted(set(ARCHITECTURES) - {'classifier'})})")
    return model, card


def warm_start(model: torch.nn.Module, source: str | Path) -> str:
    """Start ``model`` from a trained model of the same architecture: every tensor copied;
    one that has grown (a decoder given more input planes) gets the trained values in its
    leading slice and zeros beyond, so it computes what the source computed until training
    moves it. A wider DJSCC-family model (whole multiples of the source's widths) starts as
    the source widened by Net2Wider (djscc.nn.widen). Returns what it started from, for the card."""
    trained, card = load(source)
    if card["architecture"] != getattr(model, "architecture", None):
        raise ModelFileError(f"cannot start a {getattr(model, 'architecture', '?')} from "
                             f"{card['name']!r}, a {card['architecture']}")
    name = card["name"]
    if isinstance(model, JSCCModel) and model.config.widths != trained.config.widths:
        try:
            trained = widened(trained, model.config.widths, noise=WIDENING_NOISE)
        except ModelFileError as error:
            raise ModelFileError(f"cannot start from {name!r}: {error}") from None
        name += " (widened by Net2Wider)"
    _copy_into(model, trained, name)
    return name


def _copy_into(model: torch.nn.Module, trained: torch.nn.Module, name: str) -> None:
    weights = trained.state_dict()
    with torch.no_grad():
        for key, tensor in model.state_dict().items():
            value = weights.get(key)
            if value is None or value.dim() != tensor.dim() or any(a > b for a, b in zip(value.shape, tensor.shape)):
                raise ModelFileError(f"cannot start from {name!r}: its {key} "
                                     f"{None if value is None else tuple(value.shape)} does not fit "
                                     f"{tuple(tensor.shape)}")
            tensor.zero_()
            tensor[tuple(slice(0, n) for n in value.shape)] = value


def _card_shapes(card: dict) -> dict[str, tuple[int, ...]]:
    """The tensor shapes the card's model has, found on the meta device (nothing allocated)."""
    skeleton = _build(card["architecture"], card["config"], "meta")
    return {key: tuple(tensor.shape) for key, tensor in skeleton.state_dict().items()}


def _check_finite(weights: dict[str, torch.Tensor], file: Path) -> None:
    """A model whose weights hold NaN or infinity decodes to noise: never saved or loaded."""
    bad = [key for key, tensor in weights.items()
           if tensor.is_floating_point() and not torch.isfinite(tensor).all()]
    if bad:
        raise ModelFileError(f"{file}: NaN or infinite weights in {len(bad)} tensors "
                             f"(e.g. {bad[0]!r}): the model diverged or the file is damaged")


def model_id(card: dict, chosen: int | None = None) -> int:
    """The 8-bit id a frame header carries for this model (in CODEC_IDS): ``chosen`` (a block's
    model_id parameter) where given, else the card's ``model_id`` if it sets one, else a hash
    of its name, so transmitter and receiver agree without a hand-kept table and a receiver
    drops the frames of a model it does not hold (the shipped models' ids are distinct: a
    test checks it). A ``chosen`` id outside CODEC_IDS is an InputError: the header could not
    carry it, or the receiver would read it as a digital MCS."""
    if chosen is not None:
        if isinstance(chosen, bool) or not isinstance(chosen, (int, np.integer)) or chosen not in CODEC_IDS:
            raise InputError(f"model_id must be an integer {CODEC_IDS.start}..{CODEC_IDS.stop - 1} "
                             f"(232.. are the digital MCSs), not {chosen!r}")
        return int(chosen)
    if "model_id" in card:
        return int(card["model_id"])
    return hashlib.sha256(str(card["name"]).encode()).digest()[0] % len(CODEC_IDS) + CODEC_IDS.start


def search_path() -> list[Path]:
    """The folders a bare model name is looked up in, first match wins: those in
    $DJSCC_MODEL_PATH (separated by ':'), the user's $XDG_DATA_HOME/gr-djscc/models
    (~/.local/share/gr-djscc/models), and this checkout's models/ (the shipped ones)."""
    folders = [Path(p) for p in os.environ.get(MODEL_PATH_VARIABLE, "").split(os.pathsep) if p]
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return [*folders, data_home / "gr-djscc" / "models", MODELS_DIR]


def resolve(name_or_path: str | Path) -> Path:
    """A path as it is where its card exists; a bare name (e.g. 'da-djscc_1-12') from the
    first folder of ``search_path()`` that holds its card."""
    path = Path(name_or_path)
    if card_path(path).exists() or len(path.parts) != 1:
        return path
    for folder in search_path():
        if card_path(folder / path).exists():
            return folder / _stem(path)
    return path


def shipped() -> list[str]:
    """Names of the models found on ``search_path()``."""
    return sorted({card.stem for folder in search_path() for card in folder.glob("*.json")})
