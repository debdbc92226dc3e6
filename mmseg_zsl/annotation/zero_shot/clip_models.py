"""Building open_clip models: pretrained, or untrained for smoke tests."""
import os.path as osp
from typing import Callable, List, Optional, Tuple, Union

import torch
from torch import Tensor, nn

#: A small CLIP for smoke tests and demos (random weights, untrained).
#: Eight 64-wide vision blocks so GEM's default depth (last 6) applies.
TINY_CLIP_CFG = dict(
    embed_dim=32,
    vision_cfg=dict(
        image_size=224,
        patch_size=32,
        width=64,
        layers=8,
        head_width=32,
        mlp_ratio=2.0),
    text_cfg=dict(
        context_length=77,
        vocab_size=49408,
        width=32,
        heads=2,
        layers=2,
        mlp_ratio=2.0))


def checkpoint_like(value: Optional[str]) -> bool:
    """Whether an open_clip ``pretrained`` value names a file (not a tag)."""
    if not value:
        return False
    return (osp.sep in value or value.startswith('.')
            or value.endswith(('.pt', '.pth', '.bin', '.safetensors')))


def build_open_clip(
    model_name: str,
    pretrained: Optional[str],
    device: Union[str, torch.device] = 'cpu',
    cache_dir: Optional[str] = None,
    text_only: bool = False
) -> Tuple[nn.Module, Callable[[List[str]], Tensor]]:
    """An open_clip model in eval mode and its tokenizer.

    Args:
        model_name (str): open_clip model name, e.g. 'ViT-B-16-quickgelu'.
        pretrained (str, optional): open_clip pretrained tag (e.g. 'openai')
            or a checkpoint path; None gives random weights.
        device (str | torch.device): Device. Defaults to 'cpu'.
        cache_dir (str, optional): open_clip's download cache.
        text_only (bool): Drop the visual tower after loading (to encode
            prompts only). Defaults to False.
    """
    import open_clip
    if model_name not in open_clip.list_models():
        raise ValueError(
            f'Unknown open_clip model {model_name!r}. Examples: '
            "'ViT-B-16-quickgelu' (OpenAI weights), 'ViT-B-16', "
            "'ViT-L-14-quickgelu'; see open_clip.list_models().")
    if checkpoint_like(pretrained) and not osp.isfile(pretrained):
        raise FileNotFoundError(
            f'CLIP checkpoint {pretrained!r} does not exist. Pass an '
            'open_clip pretrained tag (e.g. --clip-pretrained openai, '
            'downloaded on first use) or the path of an open_clip '
            'checkpoint, e.g. open_clip_model.safetensors from '
            'https://huggingface.co/timm/vit_base_patch16_clip_224.openai '
            'for ViT-B-16-quickgelu.')
    model = open_clip.create_model(
        model_name, pretrained=pretrained, device=device, cache_dir=cache_dir)
    model.eval()
    if text_only:
        _drop_visual(model)
    return model, open_clip.get_tokenizer(model_name, cache_dir=cache_dir)


def build_random_clip(
    arch: str = 'tiny',
    model_name: str = 'ViT-B-16',
    seed: int = 0,
    device: Union[str, torch.device] = 'cpu',
    text_only: bool = False
) -> Tuple[nn.Module, Callable[[List[str]], Tensor]]:
    """An UNTRAINED CLIP (smoke tests, demos, benchmarks); seeded.

    Args:
        arch (str): 'tiny' (:data:`TINY_CLIP_CFG`) or 'full' (open_clip's
            ``model_name`` with random weights).
        model_name (str): open_clip model for 'full'.
        seed (int): The weights depend only on it, so every process and
            a later ``--relabel`` build the same model.
        device (str | torch.device): Device.
        text_only (bool): Drop the visual tower.
    """
    import open_clip
    from open_clip.tokenizer import SimpleTokenizer
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if arch == 'tiny':
            model = open_clip.CLIP(**TINY_CLIP_CFG)
        elif arch == 'full':
            model = open_clip.create_model(model_name, pretrained=None)
        else:
            raise ValueError(f"random-init arch must be 'tiny' or 'full', "
                             f'got {arch!r}.')
    model.to(device).eval()
    if text_only:
        _drop_visual(model)
    return model, SimpleTokenizer(context_length=model.context_length)


def _drop_visual(model: nn.Module) -> None:
    # encode_text never touches the visual tower; freeing it halves memory.
    model.visual = None
