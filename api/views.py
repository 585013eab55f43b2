"""The API's endpoints: thin, the reads in ``api.selectors``, the writes in ``api.stock`` (the stock services)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api import selectors, serializers, stock
from api.permissions import DonorToken, StockPartnerToken
from impact.views import labelled_stats

PUBLIC = _("Public")
DONOR = _("Donateur")
PARTNER = _("Partenaire de reconditionnement")
REFUSED = OpenApiResponse(
    description=_(
        'Requête refusée, rien n\'est enregistré : {"detail": "…", "errors": [{"field": "units[3].ram_gb", '
        '"message": "…"}]}'
    )
)


# Public -----------------------------------------------------------------------------------------


@extend_schema(tags=[PUBLIC], summary=_("Les campagnes publiques"))
class CampaignList(generics.ListAPIView):
    """Les campagnes ouvertes ou terminées, les plus récentes d'abord, avec leurs dates et leurs chiffres promis."""

    permission_classes = [AllowAny]
    serializer_class = serializers.CampaignSerializer

    def get_queryset(self):
        return selectors.public_campaigns()


def _public_campaign(slug: str):
    return get_object_or_404(selectors.public_campaigns(), slug=slug)


@extend_schema(tags=[PUBLIC], summary=_("Une campagne et ses chiffres publics"))
class CampaignDetail(APIView):
    """La campagne, avec ses chiffres publics (« figures ») : les mêmes que son fichier stats.json."""

    permission_classes = [AllowAny]

    @extend_schema(responses=serializers.CampaignDetailSerializer)
    def get(self, request, slug: str):
        campaign = _public_campaign(slug)
        context = {"request": request, "figures": labelled_stats(campaign)}
        return Response(serializers.CampaignDetailSerializer(campaign, context=context).data)


@extend_schema(tags=[PUBLIC], summary=_("Les chiffres publics d'une campagne"))
class CampaignFigures(APIView):
    """Exactement le contenu de « /campaigns/<slug>/stats.json » : promis, reçus, prêts, remis, par vague, par
    donateur, et l'impact déclaré par les associations."""

    permission_classes = [AllowAny]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, slug: str):
        return Response(labelled_stats(_public_campaign(slug)))


# Donor ------------------------------------------------------------------------------------------


@extend_schema(tags=[DONOR], summary=_("Mes engagements"))
class DonorPledgeList(generics.ListAPIView):
    """Les engagements du donateur du jeton : la campagne et le nombre d'ordinateurs promis."""

    permission_classes = [DonorToken]
    serializer_class = serializers.PledgeSerializer

    def get_queryset(self):
        return selectors.donor_pledges(self.request.auth)


class DonorLots:
    """The token's donor's lots: the list and the detail see the same lots."""

    permission_classes = [DonorToken]
    serializer_class = serializers.LotSerializer

    def get_queryset(self):
        return selectors.donor_lots(self.request.auth)


@extend_schema(tags=[DONOR], summary=_("Mes lots et leur avancement"))
class DonorLotList(DonorLots, generics.ListAPIView):
    """Les lots du donateur du jeton, avec le nombre de leurs unités dans chaque statut."""


@extend_schema(tags=[DONOR], summary=_("Un de mes lots"))
class DonorLotDetail(DonorLots, generics.RetrieveAPIView):
    """Un lot du donateur du jeton (le lot d'un autre donateur : 404)."""


# Stock partner ----------------------------------------------------------------------------------


def partner_lot(request, pk: int):
    """The lot ``pk`` if the token's partner may use it. A lot that names the partner but belongs to an organiser
    it does not work for: 403, with the reason (nothing is written); any other lot: 404 (its existence is not
    revealed)."""
    lot = selectors.partner_assigned_lots(request.auth).select_related("organiser").filter(pk=pk).first()
    if lot is None:
        raise exceptions.NotFound(_("Lot introuvable parmi les lots confiés à votre atelier."))
    if not lot.works_for_organiser:
        raise exceptions.PermissionDenied(
            _(
                "Ce lot appartient à un organisateur (%(organiser)s) pour lequel votre atelier ne travaille pas : "
                "rien n'a été enregistré."
            )
            % {"organiser": lot.organiser.name}
        )
    return lot


@extend_schema(tags=[PARTNER], summary=_("Les lots que je reconditionne"))
class PartnerLotList(generics.ListAPIView):
    """Les lots confiés au partenaire du jeton, avec le nombre de leurs unités dans chaque statut."""

    permission_classes = [StockPartnerToken]
    serializer_class = serializers.LotSerializer

    def get_queryset(self):
        return selectors.partner_lots(self.request.auth)


@extend_schema(tags=[PARTNER], summary=_("Un lot que je reconditionne"))
class PartnerLotDetail(generics.RetrieveAPIView):
    """Un lot confié au partenaire du jeton (tout autre lot : 404)."""

    permission_classes = [StockPartnerToken]
    serializer_class = serializers.LotSerializer

    def get_object(self):
        return partner_lot(self.request, self.kwargs["pk"])


class PartnerLotUnits(generics.ListAPIView):
    permission_classes = [StockPartnerToken]
    serializer_class = serializers.UnitSerializer

    def get_lot(self):
        return partner_lot(self.request, self.kwargs["pk"])

    def get_queryset(self):
        return selectors.lot_units(self.get_lot())

    @extend_schema(tags=[PARTNER], summary=_("Les unités d'un lot"))
    def get(self, request, *args, **kwargs):
        """Les unités du lot, par numéro d'inventaire, avec leur statut et leur effacement."""
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=[PARTNER],
        summary=_("Créer ou mettre à jour des unités par numéro de série"),
        request=serializers.UnitsInSerializer,
        responses={200: serializers.UnitsOutcomeSerializer, 400: REFUSED},
    )
    def post(self, request, pk: int):
        """Chaque unité est retrouvée par son fabricant et son numéro de série : créée si elle est nouvelle, mise
        à jour sinon, avec les mêmes contrôles et le même historique que l'import de l'administration. Tout ou
        rien : une erreur et rien n'est enregistré. Un champ absent n'est pas modifié ; envoyer deux fois les mêmes
        unités ne change rien la seconde fois."""
        lot = self.get_lot()
        data = request.data if isinstance(request.data, dict) else {}
        outcome = stock.units_upsert(token=request.auth, lot=lot, units=data.get("units"))
        return Response(serializers.UnitsOutcomeSerializer(outcome).data, status=status.HTTP_200_OK)


@extend_schema(tags=[PARTNER])
class PartnerLotWipes(APIView):
    permission_classes = [StockPartnerToken]

    @extend_schema(
        summary=_("Enregistrer des résultats d'effacement"),
        request=serializers.WipesInSerializer,
        responses={200: serializers.WipesOutcomeSerializer, 400: REFUSED},
    )
    def post(self, request, pk: int):
        """L'effacement des données (ou l'exemption) de chaque unité du lot, retrouvée par son fabricant et son
        numéro de série : mêmes contrôles et même historique que dans l'administration. Un effacement réussi ou
        une exemption autorise la remise ; un échec la retire. Tout ou rien ; un résultat identique au dernier
        enregistré pour l'unité n'est pas enregistré de nouveau."""
        lot = partner_lot(request, pk)
        serializer = serializers.WipesInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        outcome = stock.wipes_record(token=request.auth, lot=lot, wipes=serializer.validated_data["wipes"])
        return Response(serializers.WipesOutcomeSerializer(outcome).data)


@extend_schema(tags=[PUBLIC], summary=_("Les points d'entrée de l'API"), responses=OpenApiTypes.OBJECT)
class ApiRoot(APIView):
    """Où trouver la documentation, le schéma OpenAPI et les listes."""

    permission_classes = [AllowAny]

    def get(self, request):
        from django.urls import reverse

        def link(name: str) -> str:
            return request.build_absolute_uri(reverse(name))

        return Response(
            {
                "docs": link("api:docs"),
                "schema": link("api:schema"),
                "campaigns": link("api:campaigns"),
                "donor_pledges": link("api:donor_pledges"),
                "donor_lots": link("api:donor_lots"),
                "partner_lots": link("api:partner_lots"),
            }
        )
