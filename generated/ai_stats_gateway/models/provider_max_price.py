from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ProviderMaxPrice")


@_attrs_define
class ProviderMaxPrice:
    """Highest price to pay, per unit.

    Attributes:
        prompt (float | Unset):
        completion (float | Unset):
        image (float | Unset):
        audio (float | Unset):
        request (float | Unset):
    """

    prompt: float | Unset = UNSET
    completion: float | Unset = UNSET
    image: float | Unset = UNSET
    audio: float | Unset = UNSET
    request: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        prompt = self.prompt

        completion = self.completion

        image = self.image

        audio = self.audio

        request = self.request

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if prompt is not UNSET:
            field_dict["prompt"] = prompt
        if completion is not UNSET:
            field_dict["completion"] = completion
        if image is not UNSET:
            field_dict["image"] = image
        if audio is not UNSET:
            field_dict["audio"] = audio
        if request is not UNSET:
            field_dict["request"] = request

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        prompt = d.pop("prompt", UNSET)

        completion = d.pop("completion", UNSET)

        image = d.pop("image", UNSET)

        audio = d.pop("audio", UNSET)

        request = d.pop("request", UNSET)

        provider_max_price = cls(
            prompt=prompt,
            completion=completion,
            image=image,
            audio=audio,
            request=request,
        )

        provider_max_price.additional_properties = d
        return provider_max_price

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
