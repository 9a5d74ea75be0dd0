"""R1: the stored destruction date follows every write of an interaction (an E2 interaction, or
a klant's part in a klantcontact: a betrokkene), whichever way it is made (the API's
services, the admin's inlines, a shell), and a klant created outside
``services.create_klant`` (the admin) gets one too. The derivation is ``rules.vernietiging``;
the write is ``services.werk_vernietigingsdatum_bij``."""

from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import services
from .models import Betrokkene, Interactie, Klant, Klantcontact
from .transactions import is_vergrendeld


@receiver(post_save, sender=Klant, dispatch_uid="klant_vernietigingsdatum")
def klant_opgeslagen(sender, instance: Klant, created, raw=False, **kwargs):
    # services.create_klant sets the date itself; valideer_klant clears it (R3)
    if created and not raw and not instance.gevalideerd and instance.vernietigingsdatum is None:
        services.werk_vernietigingsdatum_bij(instance)


@receiver(post_save, sender=Interactie, dispatch_uid="interactie_opgeslagen_vernietigingsdatum")
def interactie_opgeslagen(sender, instance: Interactie, raw=False, **kwargs):
    if not raw:
        services.werk_vernietigingsdatum_bij(instance.klant)


@receiver(post_delete, sender=Interactie, dispatch_uid="interactie_verwijderd_vernietigingsdatum")
def interactie_verwijderd(sender, instance: Interactie, origin=None, **kwargs):
    # the interactions of a klant that is itself being deleted: nothing to keep in sync
    if isinstance(origin, Klant) or (isinstance(origin, QuerySet) and origin.model is Klant):
        return
    klant = Klant.objects.filter(pk=instance.klant_id).first()
    if klant is not None:
        services.werk_vernietigingsdatum_bij(klant)


@receiver(post_save, sender=Betrokkene, dispatch_uid="betrokkene_opgeslagen_vernietigingsdatum")
def betrokkene_opgeslagen(sender, instance: Betrokkene, raw=False, **kwargs):
    if getattr(instance, "vernietigingsdatum_door_schrijver", False):
        return  # contacten.add_betrokkene stores it with the write's records
    if not raw and instance.klant_id is not None:
        # the klant the write locked and read is current: not read again
        klant = instance.klant if Betrokkene.klant.is_cached(instance) else None
        if klant is None or not is_vergrendeld(klant):
            klant = Klant.objects.filter(pk=instance.klant_id).first()
        if klant is not None:
            services.werk_vernietigingsdatum_bij(klant)


@receiver(post_delete, sender=Betrokkene, dispatch_uid="betrokkene_verwijderd_vernietigingsdatum")
def betrokkene_verwijderd(sender, instance: Betrokkene, origin=None, **kwargs):
    if instance.klant_id is None:
        return
    if isinstance(origin, Klant) or (isinstance(origin, QuerySet) and origin.model is Klant):
        return
    klant = Klant.objects.filter(pk=instance.klant_id).first()
    if klant is not None:
        services.werk_vernietigingsdatum_bij(klant)


@receiver(post_save, sender=Klantcontact, dispatch_uid="klantcontact_opgeslagen_vernietigingsdatum")
def klantcontact_opgeslagen(
    sender, instance: Klantcontact, created, raw=False, update_fields=None, **kwargs
):
    """The date of a contact counts for the klanten that took part (R1)."""
    if created or raw:
        return  # nobody took part yet
    if update_fields is not None and "plaatsgevonden_op" not in update_fields:
        return  # the date was not written
    for klant in Klant.objects.filter(
        gevalideerd=False, betrokkenheden__klantcontact=instance
    ).distinct():
        services.werk_vernietigingsdatum_bij(klant)
