from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.suno_music_options_vocal_gender import SunoMusicOptionsVocalGender
from ..types import UNSET, Unset

T = TypeVar("T", bound="SunoMusicOptions")


@_attrs_define
class SunoMusicOptions:
    """Suno options. With customMode false, prompt is required. With customMode true, style and title are required, and
    prompt too unless instrumental is true.

        Attributes:
            prompt (str | Unset): Overrides the top-level prompt.
            style (str | Unset):
            title (str | Unset):
            custom_mode (bool | Unset):  Default: False.
            instrumental (bool | Unset):  Default: False.
            persona_id (str | Unset):
            persona_model (str | Unset):
            model (str | Unset):
            negative_tags (str | Unset):
            vocal_gender (SunoMusicOptionsVocalGender | Unset):
            style_weight (float | Unset):
            weirdness_constraint (float | Unset):
            audio_weight (float | Unset):
            call_back_url (str | Unset):
    """

    prompt: str | Unset = UNSET
    style: str | Unset = UNSET
    title: str | Unset = UNSET
    custom_mode: bool | Unset = False
    instrumental: bool | Unset = False
    persona_id: str | Unset = UNSET
    persona_model: str | Unset = UNSET
    model: str | Unset = UNSET
    negative_tags: str | Unset = UNSET
    vocal_gender: SunoMusicOptionsVocalGender | Unset = UNSET
    style_weight: float | Unset = UNSET
    weirdness_constraint: float | Unset = UNSET
    audio_weight: float | Unset = UNSET
    call_back_url: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        prompt = self.prompt

        style = self.style

        title = self.title

        custom_mode = self.custom_mode

        instrumental = self.instrumental

        persona_id = self.persona_id

        persona_model = self.persona_model

        model = self.model

        negative_tags = self.negative_tags

        vocal_gender: str | Unset = UNSET
        if not isinstance(self.vocal_gender, Unset):
            vocal_gender = self.vocal_gender.value

        style_weight = self.style_weight

        weirdness_constraint = self.weirdness_constraint

        audio_weight = self.audio_weight

        call_back_url = self.call_back_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if prompt is not UNSET:
            field_dict["prompt"] = prompt
        if style is not UNSET:
            field_dict["style"] = style
        if title is not UNSET:
            field_dict["title"] = title
        if custom_mode is not UNSET:
            field_dict["customMode"] = custom_mode
        if instrumental is not UNSET:
            field_dict["instrumental"] = instrumental
        if persona_id is not UNSET:
            field_dict["personaId"] = persona_id
        if persona_model is not UNSET:
            field_dict["personaModel"] = persona_model
        if model is not UNSET:
            field_dict["model"] = model
        if negative_tags is not UNSET:
            field_dict["negativeTags"] = negative_tags
        if vocal_gender is not UNSET:
            field_dict["vocalGender"] = vocal_gender
        if style_weight is not UNSET:
            field_dict["styleWeight"] = style_weight
        if weirdness_constraint is not UNSET:
            field_dict["weirdnessConstraint"] = weirdness_constraint
        if audio_weight is not UNSET:
            field_dict["audioWeight"] = audio_weight
        if call_back_url is not UNSET:
            field_dict["callBackUrl"] = call_back_url

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        prompt = d.pop("prompt", UNSET)

        style = d.pop("style", UNSET)

        title = d.pop("title", UNSET)

        custom_mode = d.pop("customMode", UNSET)

        instrumental = d.pop("instrumental", UNSET)

        persona_id = d.pop("personaId", UNSET)

        persona_model = d.pop("personaModel", UNSET)

        model = d.pop("model", UNSET)

        negative_tags = d.pop("negativeTags", UNSET)

        _vocal_gender = d.pop("vocalGender", UNSET)
        vocal_gender: SunoMusicOptionsVocalGender | Unset
        if isinstance(_vocal_gender, Unset):
            vocal_gender = UNSET
        else:
            vocal_gender = SunoMusicOptionsVocalGender(_vocal_gender)

        style_weight = d.pop("styleWeight", UNSET)

        weirdness_constraint = d.pop("weirdnessConstraint", UNSET)

        audio_weight = d.pop("audioWeight", UNSET)

        call_back_url = d.pop("callBackUrl", UNSET)

        suno_music_options = cls(
            prompt=prompt,
            style=style,
            title=title,
            custom_mode=custom_mode,
            instrumental=instrumental,
            persona_id=persona_id,
            persona_model=persona_model,
            model=model,
            negative_tags=negative_tags,
            vocal_gender=vocal_gender,
            style_weight=style_weight,
            weirdness_constraint=weirdness_constraint,
            audio_weight=audio_weight,
            call_back_url=call_back_url,
        )

        suno_music_options.additional_properties = d
        return suno_music_options

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
