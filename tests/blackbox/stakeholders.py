class StakeholdersMixin:
    pass
