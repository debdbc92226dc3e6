from .label_smooth_ce_loss import LabelSmoothCELoss

__all__ = ['LabelSmoothCELoss']
