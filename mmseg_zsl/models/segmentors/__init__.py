from .unimatch_zs_segmentor import UniMatchZSSegmentor

__all__ = ['UniMatchZSSegmentor']
