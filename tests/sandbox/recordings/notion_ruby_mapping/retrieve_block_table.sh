curl 'https://api.notion.com/v1/blocks/ba612e8b-c858-4569-9822-ccca7ab4c709' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
