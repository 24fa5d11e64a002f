"""Shipped content: the two competency frameworks, and the French pages and quizzes of the demo.

Competencies and pages are written in our own words (the decree of 10 November 2022 fixes the five
domains and their hours; it does not publish this text).
"""

from __future__ import annotations

#: (code, name, hours, [(code, competency)])
CORE_FRAMEWORK = {
    "slug": "socle-numerique-sante",
    "name": "Socle de formation au numérique en santé",
    "reference": "Arrêté du 10 novembre 2022 relatif à la formation socle au numérique en santé des étudiants "
    "en santé (28 heures, 2 ECTS dans les formations paramédicales)",
    "description": "Cinq domaines, 28 heures, validés au plus tard en troisième année, avec attestation.",
    "domains": [
        (
            "D1",
            "Données de santé",
            6,
            [
                (
                    "D1.1",
                    "Distinguer donnée de santé, donnée personnelle et donnée anonymisée ou pseudonymisée",
                ),
                (
                    "D1.2",
                    "Saisir et structurer une donnée clinique réutilisable (codage, terminologies, qualité)",
                ),
                (
                    "D1.3",
                    "Connaître les droits du patient sur ses données et les bases légales de leur usage",
                ),
            ],
        ),
        (
            "D2",
            "Cybersécurité en santé",
            5,
            [
                (
                    "D2.1",
                    "Reconnaître un hameçonnage et les autres attaques courantes visant les soignants",
                ),
                (
                    "D2.2",
                    "Appliquer l'hygiène numérique au poste de soins (authentification, verrouillage, supports)",
                ),
                ("D2.3", "Réagir et signaler un incident de sécurité dans un établissement"),
            ],
        ),
        (
            "D3",
            "Communication en santé",
            5,
            [
                ("D3.1", "Choisir un canal sécurisé pour échanger avec un confrère ou un patient"),
                ("D3.2", "Tenir une identité professionnelle en ligne conforme à la déontologie"),
                ("D3.3", "Repérer et corriger une information de santé erronée diffusée en ligne"),
            ],
        ),
        (
            "D4",
            "Outils numériques en santé",
            6,
            [
                (
                    "D4.1",
                    "Utiliser le dossier médical partagé et les services socles du numérique en santé",
                ),
                (
                    "D4.2",
                    "Évaluer un outil numérique ou une application de santé avant de la recommander",
                ),
                (
                    "D4.3",
                    "Situer l'aide à la décision et l'intelligence artificielle dans les outils de soin",
                ),
            ],
        ),
        (
            "D5",
            "Télésanté",
            6,
            [
                (
                    "D5.1",
                    "Distinguer téléconsultation, téléexpertise, télésurveillance et télésoin",
                ),
                ("D5.2", "Préparer et conduire un acte de télésanté dans un cadre sécurisé"),
                (
                    "D5.3",
                    "Reconnaître les limites d'un acte à distance et organiser le relais en présentiel",
                ),
            ],
        ),
    ],
}

AI_FRAMEWORK = {
    "slug": "ia-en-sante",
    "name": "Intelligence artificielle en santé",
    "reference": "Référentiel MedTandem",
    "description": "Travailler avec l'IA sans perdre ses compétences propres.",
    "domains": [
        (
            "IA1",
            "Fondamentaux de l'IA",
            0,
            [
                (
                    "IA1.1",
                    "Expliquer ce qu'est un modèle appris, ses données d'entraînement et ses sorties",
                ),
                (
                    "IA1.2",
                    "Interpréter une probabilité, un seuil et une incertitude affichés par un outil",
                ),
            ],
        ),
        (
            "IA2",
            "Données, biais et équité",
            0,
            [
                (
                    "IA2.1",
                    "Identifier les biais d'échantillonnage et de mesure d'un jeu de données",
                ),
                ("IA2.2", "Vérifier les performances d'un outil par sous-groupe (âge, sexe, site)"),
            ],
        ),
        (
            "IA3",
            "Évaluer les preuves",
            0,
            [
                (
                    "IA3.1",
                    "Lire une étude de performance : sensibilité, spécificité, AUC, validation externe",
                ),
                (
                    "IA3.2",
                    "Distinguer performance de l'algorithme seul et bénéfice clinique du binôme humain-IA",
                ),
            ],
        ),
        (
            "IA4",
            "Travailler avec l'IA",
            0,
            [
                ("IA4.1", "Interpréter un ECG sans aide à un niveau requis avant d'utiliser l'IA"),
                (
                    "IA4.2",
                    "Calibrer sa confiance : ni biais d'automatisation ni aversion injustifiée",
                ),
                ("IA4.3", "Maintenir ses compétences propres (lecture régulière sans IA)"),
            ],
        ),
        (
            "IA5",
            "Réglementation et éthique",
            0,
            [
                ("IA5.1", "Appliquer le RGPD aux traitements de données par l'IA"),
                (
                    "IA5.2",
                    "Situer un outil dans le règlement européen sur l'IA et le marquage CE des dispositifs",
                ),
                ("IA5.3", "Informer le patient de l'usage d'une IA et garder la décision humaine"),
            ],
        ),
        (
            "IA6",
            "IA frugale",
            0,
            [
                (
                    "IA6.1",
                    "Estimer le coût énergétique d'un modèle et préférer le plus sobre à performance égale",
                ),
            ],
        ),
    ],
}

#: Core programme: per domain code, (page title, page Markdown, quiz title, GIFT quiz)
CORE_PAGES: dict[str, tuple[str, str, str, str]] = {
    "D1": (
        "Qu'est-ce qu'une donnée de santé ?",
        """## Une définition large

Le RGPD range les **données concernant la santé** parmi les données sensibles : toute information sur
l'état de santé physique ou mental d'une personne, passé, présent ou futur. Un poids noté dans un
dossier, un rendez-vous chez un cardiologue ou le résultat d'un objet connecté en font partie.

## Anonymiser n'est pas pseudonymiser

- **Pseudonymiser** : remplacer le nom par un identifiant. La personne reste ré-identifiable avec une
  table de correspondance : les données restent personnelles.
- **Anonymiser** : rendre la ré-identification impossible, même en croisant d'autres sources. C'est
  beaucoup plus difficile qu'il n'y paraît (âge + code postal + date d'hospitalisation suffisent souvent).

## Une donnée utile est une donnée bien saisie

Une donnée de soin sera réutilisée : coordination, recherche, entraînement d'algorithmes. Utilisez les
champs structurés et les terminologies (CIM-10, LOINC, SNOMED CT) plutôt que du texte libre quand c'est
possible, datez et signez, corrigez plutôt que d'effacer.

## Les droits du patient

Information, accès, rectification, opposition dans certains cas : le patient doit savoir qui traite ses
données et pourquoi. Les entrepôts de données de santé hospitaliers publient la liste de leurs projets.
""",
        "Quiz — Données de santé",
        r"""// Quiz du domaine 1 : données de santé
::D1-pseudo::Des données où le nom du patient est remplacé par un numéro, la table de correspondance étant conservée, sont \:{
  =pseudonymisées#Exact \: la ré-identification reste possible, ce sont encore des données personnelles.
  ~anonymisées#Non \: tant qu'une table de correspondance existe, la personne est ré-identifiable.
  ~publiques#Non, elles restent couvertes par le secret et le RGPD.
}

::D1-sensible::Les données de santé sont des données sensibles au sens du RGPD.{TRUE#Si, le RGPD les range parmi les catégories particulières.#Oui \: leur traitement est interdit sauf exceptions (soins, recherche encadrée...).}

::D1-terminologies::Quelles terminologies servent à coder des données de santé ? (plusieurs réponses){
  ~%50%CIM-10#Oui, pour les diagnostics.
  ~%50%LOINC#Oui, pour les examens de biologie.
  ~%-100%ASCII#Non, c'est un codage de caractères.
}

::D1-reid::Combien d'attributs indirects (âge, code postal, date de séjour...) suffisent souvent à ré-identifier une personne ? Donnez un nombre entre 1 et 5.{#2..4#Trois attributs croisés suffisent souvent.}
""",
    ),
    "D2": (
        "Hygiène numérique au poste de soins",
        """## Les attaques qui visent les soignants

Les établissements de santé sont une cible : rançongiciels qui paralysent un hôpital, hameçonnage pour
voler des identifiants, clés USB piégées. La plupart des attaques commencent par **un clic**.

## Cinq réflexes

1. **Verrouiller** la session dès qu'on quitte le poste (Windows + L), même pour une minute.
2. **Ne jamais partager** sa carte CPS ou ses identifiants, même « pour dépanner ».
3. **Vérifier l'expéditeur** et l'adresse réelle d'un lien avant de cliquer ; se méfier de l'urgence.
4. **Pas de support personnel** (clé USB, messagerie grand public) pour des données de patients.
5. **Mettre à jour** les applications et les téléphones professionnels.

## En cas de doute

Signalez sans attendre au service informatique ou au responsable de la sécurité : un signalement rapide
limite les dégâts. Les incidents graves sont déclarés à l'agence régionale de santé et au CERT Santé.
""",
        "Quiz — Cybersécurité",
        r"""::D2-phishing::Un courriel « urgent » de la direction vous demande de saisir votre mot de passe sur un lien. Que faites-vous ?{
  =Je ne clique pas et je signale le message au service informatique#Bon réflexe \: l'urgence est un signal classique d'hameçonnage.
  ~Je clique, c'est la direction#L'adresse peut être usurpée \: vérifiez toujours.
  ~Je transfère à mes collègues pour avis#Vous risquez de propager l'attaque.
}

::D2-verrou::Quitter le poste une minute sans verrouiller la session est acceptable dans un service fermé au public.{FALSE#Non \: verrouillez toujours, la traçabilité des accès est nominative.#Exact \: on verrouille systématiquement.}

::D2-usb::Pour transmettre un compte rendu à un confrère, j'utilise {~une clé USB personnelle ~ma messagerie grand public =la messagerie sécurisée de santé} de mon établissement.
""",
    ),
    "D3": (
        "Communiquer en santé à l'ère numérique",
        """## Choisir le bon canal

Entre professionnels, les échanges de données de patients passent par une **messagerie sécurisée de
santé** (MSSanté). Une messagerie instantanée grand public n'offre ni la traçabilité ni l'hébergement
requis.

## Identité numérique du soignant

Ce que vous publiez engage votre profession. Le secret s'applique aussi en ligne : pas de photo de
patient, pas de cas reconnaissable, même « anonymisé » par un prénom modifié.

## Face à la désinformation

Un patient arrive avec une information lue sur un réseau social ? Écoutez, demandez la source, expliquez
comment vous évaluez une information (qui parle, sur quelles preuves), orientez vers des sources fiables.
""",
        "Quiz — Communication",
        r"""::D3-canal::Pour envoyer des résultats d'examen à un confrère, le canal adapté est \:{
  =une messagerie sécurisée de santé#Oui \: chiffrée, traçable, réservée aux professionnels.
  ~un SMS#Non sécurisé.
  ~un réseau social professionnel#Non \: ce n'est pas un canal de soin.
}

::D3-photo::Publier la radiographie d'un patient sans son nom sur un réseau social respecte le secret professionnel.{FALSE#Non \: le cas peut rester reconnaissable et le consentement manque.#Exact.}

::D3-source::Citez le premier réflexe face à une information de santé douteuse (un mot \: vérifier la ...).{=source#Oui \: qui parle, sur quelles preuves.=sources}
""",
    ),
    "D4": (
        "Les outils numériques du parcours de soins",
        """## Les services socles

- **Mon espace santé** et son **dossier médical partagé** : le carnet de santé numérique du patient.
- **Messagerie sécurisée de santé** et **e-prescription**.
- **Identité nationale de santé (INS)** : la bonne donnée au bon patient.

## Évaluer une application avant de la recommander

Qui l'édite ? Est-elle un **dispositif médical** marqué CE ? Où sont hébergées les données (hébergeur
certifié HDS) ? Quelles preuves d'efficacité ? Est-elle accessible à ce patient ?

## L'aide à la décision et l'IA

Une IA propose, le soignant décide. Elle peut se tromper, surtout hors des populations sur lesquelles
elle a été entraînée. Gardez un regard critique et continuez à exercer vos compétences sans elle.
""",
        "Quiz — Outils numériques",
        r"""::D4-ins::L'identité nationale de santé (INS) sert à \:{
  =identifier sans erreur le patient dans tous les outils#Oui \: la bonne donnée au bon patient.
  ~remplacer la carte Vitale#Non.
  ~stocker les images médicales#Non.
}

::D4-hds::Quels critères vérifier avant de recommander une application de santé ? (plusieurs réponses){
  ~%33.33333%Marquage CE si c'est un dispositif médical
  ~%33.33333%Hébergement des données certifié HDS
  ~%33.33333%Preuves d'efficacité publiées
  ~%-100%Nombre d'étoiles sur le magasin d'applications#Une note d'utilisateurs n'est pas une preuve.
}

::D4-ia::Quand une IA d'aide à la décision propose un diagnostic, la décision revient au professionnel.{T#Si \: l'IA propose, le soignant décide et reste responsable.#Exact.}
""",
    ),
    "D5": (
        "Télésanté : les actes à distance",
        """## Quatre actes à distinguer

| Acte | Qui | Exemple |
|---|---|---|
| Téléconsultation | médecin ↔ patient | suivi d'une hypertension |
| Téléexpertise | professionnel ↔ professionnel | avis dermatologique sur photo |
| Télésurveillance | équipe ↔ données du patient | insuffisance cardiaque à domicile |
| Télésoin | auxiliaire médical ↔ patient | séance d'orthophonie |

## Bien conduire un acte à distance

Vérifier l'identité, recueillir le consentement, utiliser une solution sécurisée, tracer l'acte dans le
dossier, prévoir un plan B si la connexion tombe.

## Savoir s'arrêter

Douleur thoracique, examen clinique indispensable, patient en difficulté avec l'outil : organisez le
relais en présentiel sans attendre.
""",
        "Quiz — Télésanté",
        r"""::D5-types::Un dermatologue donne un avis sur la photo transmise par un médecin généraliste \: c'est une {=téléexpertise ~téléconsultation ~télésurveillance}.

::D5-limite::Une douleur thoracique décrite en téléconsultation peut être gérée entièrement à distance.{FALSE#Non \: orientez vers une prise en charge en urgence.#Exact \: relais en présentiel ou appel au 15.}

::D5-delai::Une téléconsultation est prévue à 14 h ; le patient se connecte à 14 h 10. De combien de minutes est-il en retard ?{#10:0#Dix minutes.}
""",
    ),
}

AI_INTRO_PAGE = """## Ce que fait un modèle d'IA

Un modèle d'apprentissage automatique apprend une relation entre des **entrées** (ici le tracé d'un ECG)
et des **étiquettes** posées par des experts (infarctus, trouble de conduction...). Il ne « comprend »
pas l'ECG : il reconnaît des formes proches de celles qu'il a vues.

## Lire une sortie d'IA

Une probabilité de 0,8 n'est pas une certitude. Regardez le **seuil** choisi, la **calibration** (sur
100 ECG notés 0,8, environ 80 sont-ils positifs ?) et les performances **par sous-groupe**.

## Le binôme humain-IA

Les études montrent deux pièges : le **biais d'automatisation** (suivre l'IA quand elle se trompe) et
l'**aversion** (l'ignorer quand elle a raison). C'est pourquoi MedTandem vous fait lire d'abord **seul**,
puis avec l'IA, puis compare à la vérité des cardiologues.
"""

AI_REGULATION_PAGE = """## RGPD

Un traitement de données de santé par une IA exige une base légale, une information des patients, une
analyse d'impact (AIPD) et la minimisation des données.

## Règlement européen sur l'IA

Les systèmes d'IA qui sont des dispositifs médicaux sont classés **à haut risque** : gestion des risques,
qualité des données, documentation technique, **contrôle humain** et surveillance après mise sur le
marché s'ajoutent au marquage CE.

## IA frugale

À performance égale, préférez le modèle le plus sobre : moins d'énergie à l'entraînement comme à
l'usage, et souvent plus simple à expliquer.
"""

AI_QUIZ = r"""::IA-proba::Une IA affiche « probabilité d'infarctus \: 0,80 ». Cela signifie \:{
  =que, si l'outil est bien calibré, environ 8 ECG sur 10 ainsi notés montrent un infarctus#Oui.
  ~que le patient a un infarctus#Non \: c'est une probabilité, pas un diagnostic.
  ~que l'outil se trompe 80 % du temps#Non.
}

::IA-biais::Suivre la suggestion de l'IA alors qu'elle se trompe s'appelle le biais d'{=automatisation#Exact.}.

::IA-acte::Selon le règlement européen sur l'IA, une IA dispositif médical est un système à haut risque.{TRUE#Si.#Oui \: obligations renforcées, dont le contrôle humain.}
"""
