"""The forms of the alerts' pages. The subscribe form's target fields (kind, q and the search
filters, or a municipality with a case number, person or committee) are read by
decisions.alerts.targets, not here."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from decisions.alerts.subscriptions import InvalidAddress, normalize_address
from decisions.models import AlertSchedule

HONEYPOT = "website"


class AddressField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=320, strip=False, label=_("Din e-mailadresse"), **kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return normalize_address(value)
        except InvalidAddress as invalid:
            raise forms.ValidationError(invalid.message) from None


class HoneypotForm(forms.Form):
    # Hidden from people by the stylesheet; a program that fills in every field fills it in.
    website = forms.CharField(required=False, max_length=500, label=_("Lad dette felt være tomt"))

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get(HONEYPOT))


class SubscribeForm(HoneypotForm):
    email = AddressField()
    schedule = forms.ChoiceField(
        label=_("Hvor ofte"), choices=AlertSchedule.choices, initial=AlertSchedule.DAILY, widget=forms.RadioSelect
    )


class ManageLinkForm(HoneypotForm):
    email = AddressField()


class ScheduleForm(forms.Form):
    subscription = forms.IntegerField(widget=forms.HiddenInput)
    schedule = forms.ChoiceField(label=_("Hvor ofte"), choices=AlertSchedule.choices)
